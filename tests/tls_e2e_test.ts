/**
 * HTTPS on the built-in client, against Debian's nginx with certificates the test makes: a CA of
 * its own (`--cacert`), a handshake that fails named as `tls`, mutual TLS, `--connect-to` under
 * a name that does not resolve, one connection per request, and the phases in the results.
 */

import { assertEquals, assertOk } from "./_assert.ts";
import { assertUsageErrors, runCli } from "./_helpers.ts";
import { makePki, startTlsNginx } from "./_tls.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const summaryOf = (stdout: string): Json => JSON.parse(stdout.trim().split("\n").at(-1)!);
const pki = await makePki(["localhost", "127.0.0.1", "api.tpsdemo.invalid"]);
const run = (args: string[]) =>
  runCli(["run", "--rate", "50", "--requests", "40", "--work-time", "0", "--json", ...args]);

Deno.test("https with --cacert: every request succeeds on the built-in client, phases reported", async () => {
  const ng = await startTlsNginx(pki);
  const before = await ng.accepted();
  const { code, stdout, stderr } = await run([
    "--url",
    `https://127.0.0.1:${ng.port}/`,
    "--cacert",
    pki.ca,
    "--consumers",
    "2",
  ]);
  const accepted = (await ng.accepted()) - before;
  await ng.stop();
  assertEquals(code, 0, stderr);
  const s = summaryOf(stdout);
  assertEquals([s.requests.ok, s.errors], [40, 0]);
  // Two consumers, two keep-alive connections, opened before the first tick (counted; their
  // phases are the start-up's, so untimed); every request's time to first byte.
  assertEquals([s.connections, accepted], [2, 2]);
  assertEquals(s.phases.tls_us.max, 0);
  assertOk(s.phases.ttfb_us.p50 > 0);
});

Deno.test("https without the CA: every request fails as tls, with the reason in one notice", async () => {
  const ng = await startTlsNginx(pki);
  const { code, stdout, stderr } = await run(["--url", `https://127.0.0.1:${ng.port}/`]);
  await ng.stop();
  assertEquals(code, 1, stderr);
  const s = summaryOf(stdout);
  assertEquals(s.error_kinds, { tls: 40 });
  const notices = stderr.split("\n").filter((l) => l.startsWith("tpsdemo run: tls: "));
  assertEquals(notices.length, 1, stderr);
  assertOk(
    /certificate signed by an unknown authority \(give its CA with --cacert\)/.test(notices[0]!),
  );
});

Deno.test("mutual TLS: --cert/--key pass; without them the server refuses", async () => {
  const ng = await startTlsNginx(pki, { verifyClient: true });
  const url = `https://127.0.0.1:${ng.port}/`;
  const withCert = await run([
    "--url",
    url,
    "--cacert",
    pki.ca,
    "--cert",
    pki.clientCert,
    "--key",
    pki.clientKey,
  ]);
  const without = await run(["--url", url, "--cacert", pki.ca]);
  await ng.stop();
  assertEquals(summaryOf(withCert.stdout).requests.ok, 40, withCert.stderr);
  assertEquals(summaryOf(without.stdout).status, { "400": 40 });
});

Deno.test("--connect-to reaches the server under a name that does not resolve", async () => {
  const ng = await startTlsNginx(pki);
  const { code, stdout, stderr } = await run([
    "--url",
    `https://api.tpsdemo.invalid:${ng.port}/`,
    "--connect-to",
    `api.tpsdemo.invalid:${ng.port}:127.0.0.1:${ng.port}`,
    "--cacert",
    pki.ca,
  ]);
  await ng.stop();
  assertEquals(code, 0, stderr);
  assertEquals(summaryOf(stdout).requests.ok, 40);
});

Deno.test("--no-keepalive: one connection per request, as nginx counts them", async () => {
  const ng = await startTlsNginx(pki);
  const before = await ng.accepted();
  const { stdout, stderr } = await run([
    "--url",
    `https://127.0.0.1:${ng.port}/`,
    "--cacert",
    pki.ca,
    "--no-keepalive",
  ]);
  const accepted = (await ng.accepted()) - before;
  await ng.stop();
  const s = summaryOf(stdout);
  assertEquals([s.requests.ok, s.connections, accepted], [40, 40, 40], stderr);
  // A connection per request: each one's connect and handshake are timed.
  assertOk(s.phases.tls_us.max > 0 && s.phases.connect_us.max > 0 && s.phases.ttfb_us.p50 > 0);
});

Deno.test("--conn-reuse 10: a connection carries ten requests", async () => {
  const ng = await startTlsNginx(pki);
  const { stdout } = await run([
    "--url",
    `https://127.0.0.1:${ng.port}/`,
    "--cacert",
    pki.ca,
    "--conn-reuse",
    "10",
    "--consumers",
    "1",
  ]);
  await ng.stop();
  assertEquals(summaryOf(stdout).connections, 4);
});

Deno.test("TLS flags: bad values are one usage line each", async () => {
  const notCert = `${pki.dir}/server.ext`;
  await assertUsageErrors([
    [["run", "--cacert", "/nonexistent/ca.pem"], "'--cacert' must be a readable file"],
    [["run", "--cacert", notCert], "'--cacert' must be a file holding a certificate"],
    [["run", "--cert", pki.clientCert], "'--cert' must be with --key"],
    [["run", "--cert", pki.clientCert, "--key", pki.key], "'--key' must be the key of --cert"],
    [["run", "--connect-to", "nonsense"], "'--connect-to' must be HOST:PORT:ADDR:PORT"],
    [
      ["run", "--no-keepalive", "--conn-reuse", "5"],
      "'--conn-reuse' must be without --no-keepalive",
    ],
    [
      ["run", "--url", "http://127.0.0.1:1/", "--cacert", pki.ca],
      "'--cacert' must be with an https:// URL",
    ],
  ]);
});
