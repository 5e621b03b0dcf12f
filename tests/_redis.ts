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
