/**
 * The README's `tpsdemo run` examples, run as written (shortened to 2 s, a started `serve` in place
 * of their `--url`), and checked for what their text claims.
 */
import { assertEquals, assertOk } from "./_assert.ts";
import { runCli, startServe } from "./_helpers.ts";
import { makePki, startTlsNginx, type TlsNginx } from "./_tls.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Splits a shell command line into words, honouring single and double quotes. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** The `tpsdemo run` command lines of the README's shell blocks, without comments and pipes. */
async function examples(): Promise<string[]> {
  const text = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split("\n"))
    .filter((l) => l.startsWith("tpsdemo run"))
    .map((l) => l.replace(/\s+#.*$/, "").replace(/\s+\|.*$/, "").trim());
}

/** What an example's text says of it, checked on its summary. */
const CLAIMS: [RegExp, string, (s: Json) => void][] = [
  [/^tpsdemo run --consumers 8$/, "the demo is limited by its CPU jobs", (s) => {
    assertEquals(s.bottleneck.stage, "cpu_jobs");
  }],
  [/--rate 500 --duration/, "500/s is met", (s) => {
    assertEquals(s.bottleneck.stage, "none", s.bottleneck.advice);
  }],
  [/--server --capacity 500/, "the target's capacity limits the run", (s) => {
    assertEquals(s.bottleneck.stage, "target", s.bottleneck.advice);
  }],
  [/--rate 200 --duration .* --json/, "the jq gate passes on a healthy server", (s) => {
    assertOk(s.corrected_latency_ms.p99 < 50 && s.errors === 0, JSON.stringify(s.bottleneck));
  }],
  [
    /--threshold p99<50ms --threshold errors<1%/,
    "the threshold gate passes on a healthy server",
    (s) => {
      assertEquals(s.thresholds.map((t: Json) => t.pass), [true, true]);
    },
  ],
  [/^tpsdemo run --json$/, "intervals carry api_per_s", () => {}],
  [/--targets targets.txt/, "each name has its results; the name thresholds pass", (s) => {
    assertEquals(Object.keys(s.names), ["login", "work"]);
    assertEquals(s.thresholds.map((t: Json) => t.pass), [true, true]);
  }],
  [/--data-order queue/, "each row once, then the run ends", (s) => {
    assertEquals([s.stopped_by, s.requests.sent], ["data", 3]);
  }],
  [/X-User: user-\{\{seq\}\}/, "a coupon per user until they run out", (s) => {
    assertOk(s.status["200"] > 0, JSON.stringify(s.status));
  }],
];

Deno.test("README: every `tpsdemo run` example runs and does what its text says", async () => {
  const lines = await examples();
  assertOk(lines.length >= 8, `found ${lines.length} examples`);
  const srv = await startServe([]);
  const dir = await Deno.makeTempDir();
  let tls: TlsNginx | undefined;
  try {
    for (const line of lines) {
      const origin = `http://127.0.0.1:${srv.port}`;
      // The HTTPS examples: nginx with a CA of the test's own, in place of their hosts.
      if (line.includes("https://") && !tls) {
        const pki = await makePki(["127.0.0.1"]);
        tls = await startTlsNginx(pki);
        await Deno.copyFile(pki.ca, `${dir}/ca.pem`);
        await Deno.copyFile(pki.clientCert, `${dir}/client.pem`);
        await Deno.copyFile(pki.clientKey, `${dir}/client.key`);
      }
      const secure = tls ? `127.0.0.1:${tls.port}` : "";
      const args = words(line).slice(2).map((w) =>
        w === "$URL" || w === "http://127.0.0.1:8000/api/work"
          ? `${origin}/api/work`
          : /^(ca\.pem|client\.pem|client\.key)$/.test(w)
          ? `${dir}/${w}`
          : /^https:\/\/api\./.test(w)
          ? w.replace(/^https:\/\/[^/]+/, `https://${secure}`)
          : /^api\.[a-z.]+:\d+:/.test(w)
          ? `${secure}:${secure}`
          : w.replace("http://127.0.0.1:8000", origin)
      );
      // A targets file and a data file as the example's text describes them.
      const targets = args.indexOf("--targets");
      if (targets >= 0) {
        args[targets + 1] = `${dir}/${args[targets + 1]}`;
        await Deno.writeTextFile(
          args[targets + 1]!,
          `#@ name=login weight=3 check=json.ok==true\nGET ${origin}/healthz\n\n` +
            `#@ name=work\nGET ${origin}/api/work?id={{seq}}\n`,
        );
      }
      const data = args.indexOf("--data");
      if (data >= 0) {
        args[data + 1] = `${dir}/${args[data + 1]}`;
        await Deno.writeTextFile(args[data + 1]!, "id,name\n1,a\n2,b\n3,c\n");
      }
      // Files a command writes go to a temporary folder, not the working tree.
      for (const flag of ["--junit", "--out", "--html"]) {
        const at = args.indexOf(flag);
        if (at >= 0) args[at + 1] = `${dir}/${args[at + 1]}`;
      }
      // A start time in the examples is a placeholder: now, for the test.
      const at = args.indexOf("--start-at");
      if (at >= 0) args[at + 1] = new Date(Date.now() + 500).toISOString();
      // A dashboard on a free port, writing its report so it does not wait for Ctrl-C.
      const dash = args.findIndex((a) => a.startsWith("--dashboard"));
      if (dash >= 0) {
        args[dash] = "--dashboard=127.0.0.1:0";
        if (!args.includes("--html")) args.push("--html", `${dir}/dashboard.html`);
      }
      // Prometheus metrics on a free port.
      const metrics = args.indexOf("--metrics");
      if (metrics >= 0) args[metrics + 1] = "127.0.0.1:0";
      const d = args.indexOf("--duration");
      if (d >= 0) args.splice(d, 2);
      args.push("--duration", "2s");
      if (!args.includes("--json")) args.push("--json");
      const { code, stdout, stderr } = await runCli(["run", ...args]);
      assertEquals(code, 0, `${line}\n${stderr}`);
      const out: Json[] = stdout.trim().split("\n").map((l) => JSON.parse(l));
      const summary = out.at(-1);
      assertEquals(summary.type, "summary", line);
      const intervals = out.filter((o) => o.type === "interval");
      assertOk(intervals.length > 0 && intervals.every((i) => typeof i.api_per_s === "number"));
      assertOk(typeof summary.achieved_rate === "number" && typeof summary.errors === "number");
      const a = summary.requests;
      assertEquals(
        a.sent,
        a.ok + a.http_error + (a.check_failed ?? 0) + a.failed + a.timed_out + a.cancelled,
        line,
      );
      for (const [re, claim, check] of CLAIMS) {
        if (!re.test(words(line).join(" "))) continue;
        try {
          check(summary);
        } catch (err) {
          throw new Error(`${line}: ${claim}: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await tls?.stop();
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
