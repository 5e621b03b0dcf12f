/**
 * The release: the workflow is valid YAML that builds every target with the compile task's own
 * flags, smoke-runs the native builds and refuses a tag that is not deno.json's version; and
 * `install.sh` installs the archive for this machine from a (local) release, and refuses one whose
 * checksum does not match.
 *
 * @module
 */

import { parse } from "yaml";
import { assertEquals, assertOk } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url);
const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

Deno.test("release workflow: every target, the compile task's flags, the version gate", async () => {
  const text = await Deno.readTextFile(new URL(".github/workflows/release.yml", ROOT));
  const wf = parse(text);
  assertEquals(wf.on.push.tags, ["v*"]);
  const build = wf.jobs.build;
  assertEquals(
    build.strategy.matrix.include.map((m: { target: string }) => m.target),
    TARGETS,
  );
  const steps = (job: { steps: { name?: string; run?: string }[] }) =>
    job.steps.map((s) => s.run ?? "").join("\n");
  // The same permissions, unstable flags and included files as `deno task compile`.
  const compile = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks.compile;
  const flags = compile.split(" ").filter((w: string) => w.startsWith("--") && w !== "--output");
  const run = steps(build).replace(/\\\n\s*/g, " ");
  for (const f of flags) assertOk(run.includes(f), `the workflow compiles with ${f}`);
  assertOk(run.includes('--target "${{ matrix.target }}"'), "cross-compiles each target");
  assertOk(run.includes("--version") && run.includes("run --duration 2s"), "smoke runs");
  const gate = steps(wf.jobs["check-version"]);
  assertOk(gate.includes("jq -r .version deno.json") && gate.includes("exit 1"), gate);
  assertEquals(build.needs, "check-version");
  const release = steps(wf.jobs.release);
  assertOk(release.includes("sha256sum") && release.includes("--draft"), release);
  assertOk(release.includes("cp install.sh dist/"), "the installer is published beside them");
});

Deno.test("install.sh: installs this machine's archive after checking SHA256SUMS", async () => {
  const installer = new URL("install.sh", ROOT).pathname;
  const text = await Deno.readTextFile(installer);
  for (const t of TARGETS.filter((t) => !t.includes("windows"))) {
    assertOk(text.includes(t), `install.sh knows ${t}`);
  }
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  const target = Deno.build.os === "darwin" ? `${arch}-apple-darwin` : `${arch}-unknown-linux-gnu`;
  const dir = await Deno.makeTempDir();
  try {
    // A release: the archive of a stand-in binary, and its checksum.
    await Deno.mkdir(`${dir}/release`);
    await Deno.writeTextFile(`${dir}/tpsdemo`, "#!/bin/sh\necho tpsdemo v9.9.9\n");
    const archive = `tpsdemo-v9.9.9-${target}.tar.gz`;
    const tar = await new Deno.Command("tar", {
      args: ["-czf", `${dir}/release/${archive}`, "-C", dir, "tpsdemo"],
    }).output();
    assertOk(tar.success);
    const sum = await new Deno.Command("sha256sum", {
      args: [archive],
      cwd: `${dir}/release`,
      stdout: "piped",
    }).output();
    await Deno.writeFile(`${dir}/release/SHA256SUMS`, sum.stdout);
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const name = new URL(req.url).pathname.slice(1);
      try {
        return new Response(await Deno.readFile(`${dir}/release/${name}`));
      } catch {
        return new Response("not found", { status: 404 });
      }
    });
    const install = (bin: string) =>
      new Deno.Command("sh", {
        args: [installer],
        env: {
          TPSDEMO_VERSION: "v9.9.9",
          TPSDEMO_BASE_URL: `http://127.0.0.1:${server.addr.port}`,
          TPSDEMO_BIN: bin,
          HOME: dir,
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const ok = await install(`${dir}/bin`);
    const dec = new TextDecoder();
    assertEquals(ok.code, 0, dec.decode(ok.stderr));
    const ran = await new Deno.Command(`${dir}/bin/tpsdemo`, { stdout: "piped" }).output();
    assertEquals(dec.decode(ran.stdout), "tpsdemo v9.9.9\n");
    // A checksum that does not match: nothing installed.
    await Deno.writeTextFile(`${dir}/release/SHA256SUMS`, `${"0".repeat(64)}  ${archive}\n`);
    const bad = await install(`${dir}/bin2`);
    assertEquals(bad.code, 1);
    assertOk(dec.decode(bad.stderr).includes("does not match SHA256SUMS"), dec.decode(bad.stderr));
    assertOk(!(await Deno.stat(`${dir}/bin2/tpsdemo`).then(() => true, () => false)));
    await server.shutdown();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
