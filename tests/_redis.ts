/**
 * Test helpers for the shared stores: Debian's redis-server and nginx found on the PATH, free
 * loopback ports, and redis-servers started and stopped by PID.
 *
 * @module
 */

/** The path of a Debian program the tests drive (`redis-server`, `redis-cli`, `nginx`). */
export function which(cmd: string): string {
  for (const dir of ["/usr/bin", "/usr/sbin", "/usr/local/bin"]) {
    try {
      if (Deno.statSync(`${dir}/${cmd}`).isFile) return `${dir}/${cmd}`;
    } catch { /* next */ }
  }
  throw new Error(`${cmd} not found: install Debian's ${cmd} (tests/needs.sh does)`);
}

/** A loopback port free now. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** Waits until something accepts connections on the port (at most 5 s). */
export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

/** A redis-server on `port` with `args`, its files in `dir`; stop it by its PID. */
export function spawnRedis(dir: string, port: number, args: string[]): Deno.ChildProcess {
  return new Deno.Command(which("redis-server"), {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", ...args],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** A persistent redis-server (every write on disk before it answers) on `port`. */
export function startRedis(dir: string, port: number): Deno.ChildProcess {
  return spawnRedis(dir, port, ["--appendonly", "yes", "--appendfsync", "always"]);
}

/** A throwaway redis-server on a free loopback port (nothing kept); stop it by its PID. */
export async function scratchRedis(
  dir: string,
  more: string[] = [],
): Promise<{ url: string; child: Deno.ChildProcess }> {
  const port = freePort();
  const child = spawnRedis(dir, port, ["--appendonly", "no", ...more]);
  await waitForPort(port);
  return { url: `redis://127.0.0.1:${port}`, child };
}

/** Stops a process started here (SIGTERM) and waits for it; one already gone is fine. */
export async function stopProcess(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  await child.status;
}

/** A Redis Cluster of redis-servers on free loopback ports, made by `redis-cli --cluster create`. */
export interface TestCluster {
  ports: number[];
  /** Each node's process, by index; replaced by `restart`. */
  nodes: Deno.ChildProcess[];
  /** `127.0.0.1:P1,127.0.0.1:P2,…`, as `--redis-cluster` takes it. */
  addresses: string;
  /** Starts node `i` again on its port, with its cluster config (its data is gone). */
  restart(i: number): Promise<void>;
  /** Stops every node by its PID. */
  stop(): Promise<void>;
}

/** What `redis-cli -p PORT ARGS…` prints. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(which("redis-cli"), {
    args: ["-h", "127.0.0.1", "-p", String(port), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

/** Waits until every node says `cluster_state:ok` (at most 30 s). */
export async function clusterOk(ports: number[]): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const states = await Promise.all(ports.map((p) => redisCli(p, "cluster", "info")));
    if (states.every((s) => s.includes("cluster_state:ok"))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the cluster on ${ports} is not ok`);
}

/**
 * Starts `n` cluster-enabled redis-servers in `dir` (nothing persisted) and makes them one
 * cluster of `n` masters; stop it with `stop()`, also when this throws half-way (it stops
 * what it started).
 */
export async function startCluster(dir: string, n = 3): Promise<TestCluster> {
  const ports = Array.from({ length: n }, () => freePort());
  const spawn = (port: number) =>
    spawnRedis(dir, port, [
      ...["--cluster-enabled", "yes", "--cluster-config-file", `${dir}/nodes-${port}.conf`],
      ...["--appendonly", "no"],
    ]);
  const nodes = ports.map(spawn);
  const cluster: TestCluster = {
    ports,
    nodes,
    addresses: ports.map((p) => `127.0.0.1:${p}`).join(","),
    async restart(i) {
      nodes[i] = spawn(ports[i]!);
      await waitForPort(ports[i]!);
    },
    async stop() {
      await Promise.all(nodes.map(stopProcess));
    },
  };
  try {
    await Promise.all(ports.map(waitForPort));
    const made = await redisCli(
      ports[0]!,
      ...["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`)],
      ...["--cluster-replicas", "0", "--cluster-yes"],
    );
    if (!made.includes("[OK] All 16384 slots covered")) throw new Error(made);
    await clusterOk(ports);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
