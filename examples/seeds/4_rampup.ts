// deno-lint-ignore-file no-console -- an example: it prints its progress and its answer.
/**
 * Seed 4, ramp-up (source 4's nGrinder test): a ramp of virtual users (`run --stages` in `vu`)
 * against 1, then 2 `tpsdemo serve` processes behind nginx, each held to 5% of a core with
 * `cpulimit -p PID -l 5`; TPS and the mean test time (MTT) per step, where TPS bends for each,
 * and both runs overlaid in one HTML report (`--html FILE` keeps it).
 *
 * Run: `deno run -A examples/seeds/4_rampup.ts [--quick] [--html FILE]` (`deno task seed:4`).
 * Needs Debian's nginx-light (or nginx) and cpulimit.
 *
 * @module
 */

import { fmt, freePort, type Json, need, printTable, QUICK, withProcesses } from "./_seed.ts";

const html = Deno.args.includes("--html") ? Deno.args[Deno.args.indexOf("--html") + 1] : undefined;
/** The ramp: 2 VUs more every step (the nGrinder ramp-up), its intervals, those left out. */
const [STAGES, INTERVAL, SKIP] = QUICK ? ["2..12vu/2@1s", "500ms", 1] : ["2..24vu/2@3s", "1s", 1];
/**
 * What each VU does, over and over: a 50 ms wait at the server (`/api/work`, as a database call
 * would be) and 0.5 ms of its CPU (`/slow` under `serve --compute 500us`). Held to 5% of a core,
 * a server's CPU runs out at about 150 requests/s: the ramp finds where.
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

/** The VU count after which TPS never rose more than 10% above its own; undefined if none. */
function bend(steps: { vus: number; tps: number }[]): number | undefined {
  for (let i = 0; i < steps.length - 1; i++) {
    const later = Math.max(...steps.slice(i + 1).map((s) => s.tps));
    if (later < 1.1 * steps[i]!.tps) return steps[i]!.vus;
  }
  return undefined;
}

await withProcesses(async (procs) => {
  const nginx = need("nginx-light", "/usr/sbin/nginx", "/usr/bin/nginx");
  const cpulimit = need("cpulimit", "/usr/bin/cpulimit");
  const help = await procs.tpsdemo(["run", "--help"]);
  if (!help.stdout.includes("--vus")) {
    throw new Error("this tpsdemo has no 'run --vus' (virtual users): seed 4 needs it");
  }
  const dir = await Deno.makeTempDir({ prefix: "tpsdemo-seed-4-" });
  try {
    const servers = [
      await procs.serve(["--compute", "500us"], "serve 1"),
      await procs.serve(["--compute", "500us"], "serve 2"),
    ];
    for (const s of servers) {
      procs.start(`cpulimit ${s.pid}`, cpulimit, ["-p", String(s.pid), "-l", "5"]);
    }
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
      await Deno.writeTextFile(`${dir}/targets-${port}.txt`, targets(`http://127.0.0.1:${port}`));
      const args = ["run", "--targets", `${dir}/targets-${port}.txt`, "--stages", STAGES];
      console.error(`seed 4: ${name}: tpsdemo ${args.join(" ")} --work-time 0`);
      const { lines } = await procs.tpsdemo([
        ...[...args, "--work-time", "0", "--interval", INTERVAL, "--timeout", "10s"],
        ...["--json", "--out", file],
      ]);
      runs.push({ name, steps: bySteps(lines), file });
    }
    if (html) {
      await procs.tpsdemo(["report", ...runs.map((r) => r.file), "--html", html]);
      console.error(`seed 4: TPS and MTT of both runs overlaid: ${html}`);
    }
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    console.log(
      `\nA VU ramp (${STAGES}: 2 more virtual users every step) through nginx to ` +
        `tpsdemo serve, each server under cpulimit -l 5; each VU alternates a 50 ms wait and ` +
        `0.5 ms of the server's CPU. Per step, from its intervals (the first left out):\n`,
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
    const said = (r: typeof a) => {
      const v = bend(r.steps);
      const mtts = r.steps.map((s) => s.mtt);
      const top = Math.max(...r.steps.map((s) => s.tps));
      return `TPS bends at ${v === undefined ? "none within the ramp" : `${v} VUs`}` +
        ` (at most ${fmt(top, 0)}/s); MTT ${fmt(Math.min(...mtts))}-${fmt(Math.max(...mtts))} ms`;
    };
    console.log("\nWhere TPS bends (the VU count after which TPS never rose 10% above it):\n");
    printTable(["", "source (nGrinder, 99 VUs)", "tpsdemo"], [
      ["1 server", "TPS bends first; MTT climbs", said(a)],
      ["2 servers", "TPS bends later; MTT steadier", said(b)],
    ]);
    const [va, vb] = [bend(a.steps), bend(b.steps)];
    console.log(
      "\n" +
        (va !== undefined && (vb === undefined || vb > va)
          ? "As in the source: the second server moved the bend later."
          : "Unlike the source, the bend did not move later with 2 servers on this run."),
    );
  } finally {
    await procs.stopAll();
    await Deno.remove(dir, { recursive: true });
  }
});
