/**
 * The seed experiments (`examples/seeds/`), each in its `--quick` form: it must exit 0 and print
 * its answer table. No timing is asserted: the figures are the machine's. A Debian package an
 * experiment needs and does not find fails its test, naming the package (tests/needs.sh installs
 * them).
 */
import { assertEquals, assertOk } from "./_assert.ts";

const SEEDS = new URL("../examples/seeds/", import.meta.url).pathname;

async function quick(file: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${SEEDS}${file}`, "--quick"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  assertEquals(out.code, 0, `${file} --quick: exit ${out.code}\n${dec.decode(out.stderr)}`);
  return stdout;
}

/** Asserts that `stdout` holds a table whose header names `columns`, with `rows` rows at least. */
function assertTable(stdout: string, columns: string[], rows: number): void {
  const lines = stdout.split("\n");
  const head = lines.findIndex((l) => columns.every((c) => l.includes(c)));
  assertOk(head >= 0, `no table with ${columns.join(", ")} in:\n${stdout}`);
  assertOk(/^-+( +-+)*$/.test(lines[head + 1]!), `no rule under the header:\n${stdout}`);
  const body = lines.slice(head + 2);
  const end = body.findIndex((l) => l.trim() === "");
  const n = end === -1 ? body.length : end;
  assertOk(n >= rows, `${n} rows, wanted ${rows}:\n${stdout}`);
}

Deno.test("seed 1: the tuning guide's symptoms, each with tpsdemo's verdict", async () => {
  const out = await quick("1_adaptive_client.ts");
  assertTable(out, ["symptom", "source (guide)", "tpsdemo (measured)", "verdict"], 6);
  assertOk(out.includes("tpsdemo: the CPU jobs:"), out);
  assertOk(out.includes("tpsdemo: the consumers:"), out);
  assertOk(out.includes("tpsdemo: the target:"), out);
});

Deno.test("seed 2: the source's five pacers beside tpsdemo's, simulated and real", async () => {
  const out = await quick("2_pacers.ts");
  assertTable(out, ["pacer", "sim: consumer slower", "real: 500/s", "real: 100/s asked"], 6);
  assertTable(out, ["pacer", "source says", "measured", "what it means"], 6);
  for (const name of ["1 sleep(1/tps)", "2 absolute", "3 sleep + spin", "4 AIMD", "5 EWMA"]) {
    assertOk(out.includes(name), `${name} missing:\n${out}`);
  }
});

Deno.test("seed 3: coupons on one Redis node (and a 3-node cluster), exact from /stats", async () => {
  const out = await quick("3_coupons.ts");
  assertTable(out, ["store", "source", "capacity", "client a limit"], 2);
  assertTable(out, ["store", "sale at", "/stats issued", "exact", "Redis CPU/request"], 2);
  assertOk(/^3-node Redis Cluster +\d+\/s( +\d+){6} +yes /m.test(out), `cluster sale:\n${out}`);
  assertOk(/^1 Redis node +\d+\/s( +\d+){6} +yes /m.test(out), `the sale was not exact:\n${out}`);
  assertOk(out.includes("Where does the cluster win?"), out);
});

Deno.test("seed 4: a VU ramp against 1 and 2 CPU-limited servers behind nginx", async () => {
  const out = await quick("4_rampup.ts");
  assertTable(out, ["VUs", "1 server: TPS", "MTT ms", "2 servers: TPS"], 3);
  assertTable(out, ["source (nGrinder, 99 VUs)", "tpsdemo"], 2);
  assertOk(/1 server +TPS bends first; MTT climbs +TPS bends (at|nowhere)/.test(out), out);
});

Deno.test("seed 5: FastAPI /slow and /cached, by Uvicorn workers, at an objective", async () => {
  const out = await quick("5_fastapi.ts");
  assertTable(out, ["endpoint", "workers", "source expects", "capacity (p95<100ms)"], 3);
  assertOk(/\/cached +1 /.test(out) && /\/slow +2 /.test(out), out);
  assertOk(out.includes("2 x cores + 1 workers"), out);
});
