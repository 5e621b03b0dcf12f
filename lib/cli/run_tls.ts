/**
 * `run`'s connection flags, read and checked once at start: the CAs, the client certificate and
 * its key (checked to be a pair), `--connect-to`, and connection reuse. Each mistake is one usage
 * line naming the flag and the value.
 *
 * @module
 */

import type { TlsSettings } from "../client/http/mod.ts";
import { UsageError } from "./flags.ts";
import type { RunFlags } from "./run_flags.ts";

const fail = (flag: string, value: string, allowed: string): never => {
  throw UsageError.invalid("run", flag, value, allowed);
};

function readPem(flag: string, path: string, kind: RegExp, what: string): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    return fail(flag, path, `a readable file (${(err as Error).name})`);
  }
  if (!kind.test(text)) fail(flag, path, `a file holding ${what} (PEM)`);
  return text;
}

/** What the connections of a run are given. */
export interface ConnectionFlags {
  tls?: TlsSettings;
  connectTo?: { hostname: string; port: number };
  keepAlive: boolean;
  connReuse?: number;
}

/**
 * The connection settings of `v` for `url`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const v = { cacert: [], keepalive: true, "connect-to": ["api:443:127.0.0.1:8443"], "insecure-hostname": false };
 * const c = connectionFlags(v as never, new URL("https://api/"));
 * assert.deepEqual(c.connectTo, { hostname: "127.0.0.1", port: 8443 });
 * ```
 */
export function connectionFlags(flags: RunFlags, url: URL): ConnectionFlags {
  // Commands that share run's settings may not have these flags (capacity): their defaults.
  const v = {
    ...flags,
    cacert: flags.cacert ?? [],
    "connect-to": flags["connect-to"] ?? [],
    keepalive: flags.keepalive ?? true,
  };
  const caCerts = v.cacert.map((f) =>
    readPem("--cacert", f, /-----BEGIN CERTIFICATE-----/, "a certificate")
  );
  if ((v.cert === undefined) !== (v.key === undefined)) {
    const [flag, value] = v.cert !== undefined ? ["--cert", v.cert] : ["--key", v.key!];
    fail(flag, value, `with ${flag === "--cert" ? "--key" : "--cert"} (a certificate and its key)`);
  }
  let cert: string | undefined, key: string | undefined;
  if (v.cert !== undefined && v.key !== undefined) {
    cert = readPem("--cert", v.cert, /-----BEGIN CERTIFICATE-----/, "a certificate");
    key = readPem("--key", v.key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key");
    try {
      // The TLS stack checks that the key is the certificate's: a listener on a free port.
      Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key }).close();
    } catch (err) {
      fail("--key", v.key, `the key of --cert ${v.cert} (${(err as Error).message})`);
    }
  }
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  let connectTo: ConnectionFlags["connectTo"];
  for (const entry of v["connect-to"]) {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+):(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (!m || Number(m[2]) > 65535 || Number(m[4]) > 65535) {
      fail("--connect-to", entry, "HOST:PORT:ADDR:PORT, e.g. api.example.com:443:127.0.0.1:8443");
    }
    if (m![1] === url.hostname && Number(m![2]) === port) {
      connectTo = { hostname: m![3]!.replace(/^\[|\]$/g, ""), port: Number(m![4]) };
    }
  }
  // An entry that matches no target would be ignored: say so (the placeholder URL of a targets
  // file, host "x", is checked again once the targets' origin is known).
  if (v["connect-to"].length > 0 && !connectTo && url.hostname !== "x") {
    fail(
      "--connect-to",
      v["connect-to"].join(","),
      `an entry for the URL's ${url.hostname}:${port} (HOST:PORT:ADDR:PORT)`,
    );
  }
  // TLS settings on a plain http:// URL would do nothing: say so.
  if (url.protocol === "http:" && url.hostname !== "x") {
    const tlsFlag = v.cacert.length > 0
      ? ["--cacert", v.cacert.join(",")]
      : v.cert !== undefined
      ? ["--cert", v.cert]
      : v["insecure-hostname"]
      ? ["--insecure-hostname", "true"]
      : undefined;
    if (tlsFlag) {
      fail(tlsFlag[0]!, tlsFlag[1]!, `with an https:// URL (${url.origin} is plain HTTP)`);
    }
  }
  if (connectTo && cert && url.protocol === "https:") {
    fail(
      "--connect-to",
      v["connect-to"].join(","),
      "without --cert: the runtime's TLS client takes a client certificate only when it " +
        "connects by the URL's own name",
    );
  }
  if (!v.keepalive && v["conn-reuse"] !== undefined) {
    fail("--conn-reuse", String(v["conn-reuse"]), "without --no-keepalive (one request each)");
  }
  const tls: TlsSettings = {
    ...(caCerts.length > 0 ? { caCerts } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(v["insecure-hostname"] ? { insecureHostname: true } : {}),
  };
  return {
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(connectTo ? { connectTo } : {}),
    keepAlive: v.keepalive,
    ...(v["conn-reuse"] !== undefined ? { connReuse: v["conn-reuse"] } : {}),
  };
}
