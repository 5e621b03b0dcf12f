// deno-lint-ignore-file no-console -- an example: it prints its progress and its answer.
/**
 * Seed 4, ramp-up (source 4's nGrinder test): a ramp of virtual users (`run --stages` in `vu`)
 * against 1, then 2 `tpsdemo serve` processes behind nginx, each held to 5% of a core with
 * `cpulimit -p PID -l 5`; TPS and the mean test time (MTT) per step, where TPS bends for each,
 * and both runs overlaid in one HTML report (`--html FILE` keeps it).
 *
 * Run: `deno run -A examples/seeds/4_rampup.ts [--quick] [--html FILE] [--keep DIR]` (`deno task seed:4`).
 * Needs Debian's nginx-light (or nginx) and cpulimit.
 *
 * @module
 */

import {
  fmt,
  freePort,
  type Json,
  keepResults,
  need,
  printTable,
  QUICK,
  type Started,
  withProcesses,
} from "./_seed.ts";

const html = Deno.args.includes("--html") ? Deno.args[Deno.args.indexOf("--html") + 1] : undefined;
/** The ramp: 4 VUs more every step (the nGrinder ramp-up), its intervals, those left out. */
const [STAGES, INTERVAL, SKIP] = QUICK ? ["4..24vu/4@1s", "500ms", 1] : ["4..48vu/4@3s", "1s", 1];
/**
 * What each VU does, over and over: a 50 ms wait at the server (`/api/work`, as a database call
 * would be) and 0.5 ms of its CPU (`/slow` under `serve --compute 500us`). Held to 5% of a core,
 * a server's CPU runs out at about 150 requests/s: the ramp finds where. The two are mixed at
 * random (`--mix random`): in turn, nginx's round robin would send every `/slow` to one server.
 */
const targets = (origin: string) =>
  `GET ${origin}/api/work?latency=50ms&jitter=5ms\n\nGET ${origin}/slow\n`;

/** nginx in front: port `one` balances to the first server only, port `two` to both. */
function nginxConf(dir: string, one: number, two: number, servers: number[]): string {
  const up = (name: string, ports: number[]) =>
    `upstream ${name} {\n${ports.map((p) => `    server 127.0.0.1:${p};\n`).join("")}` +
    `    keepalive 64;\n  }`;
  const site = (port: number, name: string) =>
    `server {\n    listen 127.0.0.1:${port};\n    location / {\n      proxy_pass http://${name};\n` +
    `      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n    }\n  }`;
  return `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log stderr warn;\n` +
    `events { worker_connections 4096; }\nhttp {\n  access_log off;\n` +
    `  ${up("one", servers.slice(0, 1))}\n  ${up("two", servers)}\n` +
    `  ${site(one, "one")}\n  ${site(two, "two")}\n` +
    `  client_body_temp_path ${dir}/t; proxy_temp_path ${dir}/t; fastcgi_temp_path ${dir}/t;\n` +
    `  uwsgi_temp_path ${dir}/t; scgi_temp_path ${dir}/t;\n}\n`;
}

/**
 * Per VU count: TPS and MTT (mean service time). An interval belongs to the VU count at its start
 * (the previous interval's end); the first `SKIP` of each step, the ramp's transition, are left out.
 */
function bySteps(lines: Json[]): { vus: number; tps: number; mtt: number; errors: number }[] {
  const steps = new Map<number, Json[]>();
  let at: number | undefined, seen = 0;
  for (const l of lines) {
    if (l.type !== "interval" || l.drain) continue;
    const vus: number = at ?? l.vus;
    seen = steps.has(vus) ? seen + 1 : 0;
    if (!steps.has(vus)) steps.set(vus, []);
    if (seen >= SKIP) steps.get(vus)!.push(l);
    at = l.vus;
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...steps].filter(([, ivs]) => ivs.length > 0).map(([vus, ivs]) => ({
    vus,
    tps: mean(ivs.map((i) => i.api_per_s)),
    mtt: mean(ivs.map((i) => i.latency_mean_ms ?? NaN)),
    errors: ivs.reduce((a, i) => a + i.errors, 0),
  }));
}

/**
 * Where TPS bends: TPS fitted, by least squares over the steps, as `min(a × VUs, plateau)` (a
 * closed model's rise, then the servers' ceiling); the bend is where the two meet, `plateau / a`.
 * A fit over every step, not a threshold on one, because cpulimit's stop-and-go makes each step
 * noisy. No bend (`vus` undefined) when a straight rise fits best.
 */
function bend(steps: { vus: number; tps: number }[]): { vus?: number; plateau: number } {
  const sq = (x: number) => x * x;
  const rise = (k: number) => {
    const head = steps.slice(0, k);
    const a = head.reduce((t, s) => t + s.vus * s.tps, 0) / head.reduce((t, s) => t + sq(s.vus), 0);
    return { a, sse: head.reduce((t, s) => t + sq(s.tps - a * s.vus), 0) };
  };
  let best = { sse: rise(steps.length).sse, vus: undefined as number | undefined, plateau: NaN };
  for (let k = 2; k <= steps.length - 2; k++) {
    const { a, sse } = rise(k);
    const tail = steps.slice(k);
    const plateau = tail.reduce((t, s) => t + s.tps, 0) / tail.length;
    const total = sse + tail.reduce((t, s) => t + sq(s.tps - plateau), 0);
    if (total < best.sse) best = { sse: total, vus: plateau / a, plateau };
  }
  return {
    vus: best.vus,
    plateau: best.vus === undefined ? Math.max(...steps.map((s) => s.tps)) : best.plateau,
  };
}

await withProcesses(async (procs) => {
  const nginx = need("nginx-light", "/usr/sbin/nginx", "/usr/bin/nginx");
  const cpulimit = need("cpulimit", "/usr/bin/cpulimit");
  const help = await procs.tpsdemo(["run", "--help"]);
  if (!help.stdout.includes("--vus")) {
    throw new Error("this tpsdemo has no 'run --vus' (virtual users): seed 4 needs it");
  }
  const dir = await procs.tempDir("tpsdemo-seed-4-");
  try {
    const servers = [
      await procs.serve(["--compute", "500us"], "serve 1"),
      await procs.serve(["--compute", "500us"], "serve 2"),
    ];
    // Each run starts fresh limiters (a limiter that throttled one run is slow to let go).
    let limiters: Started[] = [];
    const limit = async () => {
      for (const l of limiters) await procs.stop(l);
      for (const s of servers) Deno.kill(s.pid, "SIGCONT"); // never leave one stopped
      limiters = servers.map((s) =>
        procs.start(`cpulimit ${s.pid}`, cpulimit, ["-p", String(s.pid), "-l", "5"])
      );
    };
    const [one, two] = [freePort(), freePort()];
    await Deno.mkdir(`${dir}/t`);
    await Deno.writeTextFile(
      `${dir}/nginx.conf`,
      nginxConf(dir, one, two, servers.map((s) => s.port)),
    );
    const proxy = procs.start("nginx", nginx, ["-c", `${dir}/nginx.conf`, "-p", dir]);
    for (let i = 0; i < 100; i++) {
      try {
        await (await fetch(`http://127.0.0.1:${two}/healthz`)).body?.cancel();
        break;
      } catch {
        if (i === 99) throw new Error(`nginx did not answer:\n${proxy.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const runs: { name: string; steps: ReturnType<typeof bySteps>; file: string }[] = [];
    for (const [name, port] of [["1 server", one], ["2 servers", two]] as const) {
      const file = `${dir}/${name.replace(" ", "-")}.ndjson`;
      await limit();
      await Deno.writeTextFile(`${dir}/targets-${port}.txt`, targets(`http://127.0.0.1:${port}`));
      const args = ["run", "--targets", `${dir}/targets-${port}.txt`, "--stages", STAGES];
      console.error(`seed 4: ${name}: tpsdemo ${args.join(" ")} --work-time 0 --mix random`);
      const { lines } = await procs.tpsdemo([
        ...[
          ...args,
          "--work-time",
          "0",
          "--mix",
          "random",
          "--interval",
          INTERVAL,
          "--timeout",
          "10s",
        ],
        ...["--json", "--out", file],
      ]);
      runs.push({ name, steps: bySteps(lines), file });
    }
    await keepResults(runs.map((r) => r.file));
    if (html) {
      await procs.tpsdemo(["report", ...runs.map((r) => r.file), "--html", html]);
      console.error(`seed 4: TPS and MTT of both runs overlaid: ${html}`);
    }
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    console.log(
      `\nA VU ramp (${STAGES}: 4 more virtual users every step) through nginx to ` +
        `tpsdemo serve, each server under cpulimit -l 5; each request a VU sends is, at ` +
        `random, a 50 ms wait or 0.5 ms of the server's CPU. Per step, from its intervals (the first left out):\n`,
    );
    printTable(
      ["VUs", "1 server: TPS", "MTT ms", "errors", "2 servers: TPS", "MTT ms", "errors"],
      a.steps.map((s) => {
        const t = b.steps.find((x) => x.vus === s.vus);
        return [
          s.vus,
          fmt(s.tps),
          fmt(s.mtt),
          s.errors,
          fmt(t?.tps ?? NaN),
          fmt(t?.mtt ?? NaN),
          t?.errors ?? "-",
        ];
      }),
    );
    const mttRange = (r: typeof a): [number, number] => {
      const m = r.steps.map((s) => s.mtt);
      return [Math.min(...m), Math.max(...m)];
    };
    const said = (r: typeof a) => {
      const { vus, plateau } = bend(r.steps);
      const [lo, hi] = mttRange(r);
      return (vus === undefined
        ? `TPS bends nowhere within the ramp (at most ${fmt(plateau, 0)}/s)`
        : `TPS bends at ${fmt(vus)} VUs (plateau ${fmt(plateau, 0)}/s)`) +
        `; MTT ${fmt(lo, 0)}-${fmt(hi, 0)} ms`;
    };
    console.log(
      "\nWhere TPS bends (TPS fitted as min(a x VUs, plateau) over the steps; the bend is " +
        "where the rise meets the plateau):\n",
    );
    printTable(["", "source (nGrinder, 99 VUs)", "tpsdemo"], [
      ["1 server", "TPS bends first; MTT climbs", said(a)],
      ["2 servers", "TPS bends later; MTT steadier", said(b)],
    ]);
    const [ba, bb] = [bend(a.steps), bend(b.steps)];
    const later = ba.vus !== undefined && (bb.vus === undefined || bb.vus > ba.vus);
    const steadier = mttRange(b)[1] < mttRange(a)[1];
    console.log(
      `\nWith 2 servers: the bend ${later ? "later" : "not later"} ` +
        `(${fmt(bb.vus ?? NaN)} VUs against ${fmt(ba.vus ?? NaN)}), the plateau ` +
        `${fmt(bb.plateau / ba.plateau)}x, the MTT ${steadier ? "steadier" : "not steadier"} ` +
        `(at most ${fmt(mttRange(b)[1], 0)} ms against ${fmt(mttRange(a)[1], 0)}): ` +
        (later && steadier ? "as in the source." : "not all as in the source, on this run."),
    );
  } finally {
    await procs.stopAll(); // and the temporary folder
  }
});
