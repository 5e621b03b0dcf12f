import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import { type FlagSpecs, parseFlags, UsageError } from "../lib/cli/flags.ts";
import { renderHelp } from "../lib/cli/help.ts";
import { parseBytes, parseDuration } from "../lib/units.ts";

const SPECS = {
  port: { type: "int", default: 8000, min: 0, max: 65535, help: "port" },
  "rate-limit": { type: "number", aliases: ["rate"], default: 60, min: 0, help: "rate" },
  timeout: { type: "duration", default: 5000, gt: 0, help: "timeout" },
  header: { type: "string", aliases: ["H"], multiple: true, help: "header" },
  json: { type: "boolean", default: false, help: "json" },
  adaptive: { type: "boolean", default: false, optionalValue: ["seed"], help: "adapt" },
  engine: { type: "string", default: "auto", choices: ["auto", "fetch"], help: "engine" },
  body: { type: "string", help: "body" },
} as const satisfies FlagSpecs;

Deno.test("parseDuration accepts units and bare seconds", () => {
  const cases: [string, number | undefined][] = [
    ["20ms", 20],
    ["1.5s", 1500],
    ["250us", 0.25],
    ["2m", 120_000],
    ["0.2", 200],
    [".5s", 500],
    ["abc", undefined],
    ["-1s", undefined],
    ["5 parsecs", undefined],
  ];
  for (const [text, want] of cases) assertEquals(parseDuration(text), want, text);
});

Deno.test("parseBytes accepts units", () => {
  assertEquals(parseBytes("2048"), 2048);
  assertEquals(parseBytes("64kb"), 65536);
  assertEquals(parseBytes("1mb"), 1048576);
  assertEquals(parseBytes("1xb"), undefined);
});

Deno.test("parseFlags parses every form", () => {
  const v = parseFlags("run", [
    "--port=0",
    "--rate",
    "120",
    "--timeout",
    "1.5s",
    "-H",
    "a: 1",
    "--header=b: 2",
    "--json",
    "--adaptive=seed",
    "--engine",
    "fetch",
  ], SPECS);
  assertEquals(v.port, 0);
  assertEquals(v["rate-limit"], 120);
  assertEquals(v.timeout, 1500);
  assertEquals(v.header, ["a: 1", "b: 2"]);
  assertEquals(v.json, true);
  assertEquals(v.adaptive, "seed");
  assertEquals(v.engine, "fetch");
  assertEquals(parseFlags("run", [], SPECS).port, 8000);
  assertEquals(parseFlags("run", ["--adaptive"], SPECS).adaptive, true);
  assertEquals(parseFlags("run", ["--no-json"], SPECS).json, false);
  assertEquals(parseFlags("run", [], SPECS).body, undefined);
});

Deno.test("parseFlags yields a typed object: values typed by kind, default or not", () => {
  const v = parseFlags("run", ["--body", "x"], SPECS);
  // These assignments are the test: they fail the type check if the types are wrong.
  const port: number = v.port;
  const body: string | undefined = v.body;
  const engine: "auto" | "fetch" = v.engine;
  const adaptive: boolean | "seed" = v.adaptive;
  const headers: string[] = v.header;
  assertEquals([port, body, engine, adaptive, headers], [8000, "x", "auto", false, []]);
});

Deno.test("parseFlags names the flag, the value and what is allowed", () => {
  const cases: [string[], string][] = [
    [["--port", "70000"], `'--port' must be in [0, 65535], got "70000"`],
    [["--port", "1.5"], `'--port' must be an integer, got "1.5"`],
    [["--rate", "-1"], `'--rate' must be >= 0, got "-1"`],
    [["--timeout", "0s"], `'--timeout' must be > 0ms, got "0s"`],
    [["--timeout", "soon"], `'--timeout' must be a duration such as 20ms, 1.5s or 250us`],
    [["--engine", "curl"], `'--engine' must be one of auto, fetch, got "curl"`],
    [["--adaptive=fast"], `'--adaptive' must be one of true, false, seed, got "fast"`],
    [["--bogus"], `unknown flag '--bogus'; see 'tpsdemo run --help'`],
    [["-x"], `unknown flag '-x'`],
    [["--port"], `'--port' needs an integer`],
    [["stray"], `unexpected argument "stray"`],
  ];
  for (const [args, want] of cases) {
    const err = assertThrows(() => parseFlags("run", args, SPECS), UsageError);
    if (!err.message.includes(want)) throw new Error(`${args}: "${err.message}" lacks "${want}"`);
    if (!err.message.startsWith("Cannot start run: ")) throw new Error(err.message);
  }
});

Deno.test("UsageError carries the flag, the value and what is allowed", () => {
  const err = assertThrows(() => parseFlags("run", ["--port", "70000"], SPECS), UsageError);
  assertEquals([err.flag, err.value, err.allowed], ["--port", "70000", "in [0, 65535]"]);
  const unknown = assertThrows(() => parseFlags("run", ["--bogus"], SPECS), UsageError);
  assertEquals(unknown.flag, "--bogus");
});

Deno.test("renderHelp lists every flag with its default", () => {
  const help = renderHelp("run", "Runs.", SPECS);
  for (const name of Object.keys(SPECS)) {
    if (!help.includes(`--${name}`)) throw new Error(`help lacks --${name}`);
  }
  if (!help.includes("(default 5s)")) throw new Error(help);
});

Deno.test("help: the commands' help fits 100 columns and shows the long aliases", async () => {
  const { RUN_HELP } = await import("../lib/cli/run_flags.ts");
  const { SERVE_HELP } = await import("../lib/cli/serve_flags.ts");
  for (const help of [RUN_HELP, SERVE_HELP]) {
    const long = help.split("\n").filter((l) => l.length > 100);
    assertEquals(long, []);
  }
  const text = RUN_HELP.replace(/\s+/g, " ");
  assertOk(text.includes("--rate-limit, --rate RPS"), RUN_HELP);
  assertOk(
    text.includes("the built-in HTTP/1.1 client, plain or TLS; fetch: the runtime's"),
    RUN_HELP,
  );
  assertOk(text.includes("and CPU jobs for a Worker"), RUN_HELP);
});
