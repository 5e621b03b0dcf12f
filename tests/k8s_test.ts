/**
 * The Kubernetes recipe, run locally: the Indexed Job's manifest is read, its container command
 * is run as written, once per index, as local processes with the environment the Job controller
 * would give each pod (a local `serve` as the target, a near start time, a short duration), and
 * their logs (stdout and stderr together, as `kubectl logs` has them) are merged by `report`. The
 * merge must be the load of one process at the full rate: its target rate, its schedule.
 *
 * @module
 */

import { parse } from "yaml";
import { assertEquals, assertOk } from "./_assert.ts";
import { DENO_RUN, runCli, startServe } from "./_helpers.ts";

const MANIFEST = new URL("../deploy/k8s/job.yaml", import.meta.url);

interface Container {
  command: string[];
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
}

Deno.test("k8s: the Indexed Job's shards, run as written, merge into one run at the full rate", async () => {
  const job = parse(await Deno.readTextFile(MANIFEST));
  const spec = job.spec;
  // What keeps shards honest: one pod per index, all at once, never retried.
  assertEquals([job.kind, spec.completionMode], ["Job", "Indexed"]);
  assertEquals(spec.parallelism, spec.completions);
  assertEquals(spec.backoffLimit, 0);
  assertEquals(spec.template.spec.restartPolicy, "Never");
  assertEquals(
    spec.template.spec.topologySpreadConstraints[0].topologyKey,
    "kubernetes.io/hostname",
  );
  const c: Container = spec.template.spec.containers[0];
  assertEquals(c.command, ["tpsdemo"]);
  const env = Object.fromEntries(c.env.filter((e) => e.value).map((e) => [e.name, e.value!]));
  const shards = Number(env.TPSDEMO_SHARDS);
  assertEquals(shards, spec.completions, "TPSDEMO_SHARDS is the Job's completions");
  assertOk(
    c.env.some((e) => e.name === "JOB_COMPLETION_INDEX" && e.valueFrom),
    "each pod's index from the Job controller",
  );

  const server = await startServe(["--latency", "5ms", "--jitter", "0"]);
  const dir = await Deno.makeTempDir();
  try {
    // What a user sets before applying it: the target, the rate, a start time, a duration.
    env.TARGET_URL = `http://127.0.0.1:${server.port}/api/work`;
    env.RATE = "300";
    env.DURATION = "2s";
    env.START_AT = new Date(Date.now() + 1500).toISOString();
    const expand = (a: string) => a.replace(/\$\((\w+)\)/g, (_, name) => env[name]!);
    const args = c.args.map(expand);
    const pods = [];
    for (let i = 0; i < shards; i++) {
      pods.push(
        new Deno.Command(Deno.execPath(), {
          args: [...DENO_RUN, ...args],
          env: { ...env, JOB_COMPLETION_INDEX: String(i) },
          stdout: "piped",
          stderr: "piped",
        }).output(),
      );
    }
    const outs = await Promise.all(pods);
    const dec = new TextDecoder();
    for (const [i, out] of outs.entries()) {
      assertEquals(out.code, 0, dec.decode(out.stderr));
      // `kubectl logs` mixes both streams: the log lines come with the records.
      await Deno.writeTextFile(
        `${dir}/shard-${i}.ndjson`,
        dec.decode(out.stderr) + dec.decode(out.stdout),
      );
    }
    const files = [...Array(shards).keys()].map((i) => `${dir}/shard-${i}.ndjson`);
    const merged = await runCli(["report", ...files, "--json"]);
    assertEquals(merged.code, 0, merged.stderr);
    const m = JSON.parse(merged.stdout);
    // One process at the full rate, for the same time.
    const one = await runCli([
      "run",
      "--url",
      env.TARGET_URL,
      "--rate",
      "300",
      "--duration",
      "2s",
      "--work-time",
      "0",
      "--json",
    ]);
    const o = JSON.parse(one.stdout.trim().split("\n").at(-1)!);
    assertEquals(m.target_rate, o.target_rate, "the shards' rates add up to the full rate");
    assertOk(
      // Each shard's own window may take one boundary tick more or less at its start and at its
      // stop (its slots are every Nth of the full rate's): at most 2 a shard.
      Math.abs(m.requests.scheduled - o.requests.scheduled) <= 2 * shards,
      `scheduled ${m.requests.scheduled} vs ${o.requests.scheduled}`,
    );
    assertEquals(m.requests.sent, m.requests.ok, "every request answered");
    assertEquals(m.shards.map((s: { index: number }) => s.index).sort(), [0, 1, 2]);
    // Each reports how late its first tick was against the start time (the bench quotes it).
    for (const s of m.shards) assertEquals(typeof s.start_skew_ms, "number");
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
