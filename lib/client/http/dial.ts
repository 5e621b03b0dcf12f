/**
 * Opening a connection for the built-in client, and timing it: TCP (to the URL's host, or to
 * the address `--connect-to` gives), then for `https://` the TLS handshake (ALPN `http/1.1`, the
 * URL's host as SNI and for verification, the user's CAs and client certificate). A handshake that
 * fails is told apart (error kind `tls`) and explained in words.
 *
 * @module
 */

/** TLS settings, read and checked once at start. */
export interface TlsSettings {
  /** PEM certificates trusted besides the system's roots (`--cacert`). */
  caCerts?: string[];
  /** A client certificate and its key, PEM (`--cert`, `--key`: mutual TLS). */
  cert?: string;
  key?: string;
  /** Skip the hostname check only (`--insecure-hostname`); the chain is still verified. */
  insecureHostname?: boolean;
}

/** Where and how to connect. */
export interface DialSpec {
  /** The URL's host: SNI, certificate name and `Host`. */
  hostname: string;
  port: number;
  tls: boolean;
  /** Connect here instead (`--connect-to`); the URL's host still names the server. */
  connectTo?: { hostname: string; port: number };
  settings?: TlsSettings;
}

/** An open connection and how long its phases took, ms. */
export interface Dialed {
  conn: Deno.TcpConn | Deno.TlsConn;
  connectMs: number;
  /** NaN for plain HTTP. */
  tlsMs: number;
}

/** A failed TLS handshake, with the reason in words. */
export class TlsError extends Error {
  override name = "TlsError";
}

/** Opens a connection per `spec`, timing its phases on `now`. */
export async function dial(spec: DialSpec, now: () => number): Promise<Dialed> {
  const host = spec.connectTo?.hostname ?? spec.hostname;
  const port = spec.connectTo?.port ?? spec.port;
  const s = spec.settings ?? {};
  const t0 = now();
  if (spec.tls && s.cert && s.key) {
    // Only connectTls takes a client certificate: it connects by the URL's own host.
    const conn = await Deno.connectTls({
      hostname: host,
      port,
      caCerts: s.caCerts,
      alpnProtocols: ["http/1.1"],
      cert: s.cert,
      key: s.key,
      unsafelyDisableHostnameVerification: s.insecureHostname ?? false,
    });
    const t1 = now();
    await handshake(conn, spec.hostname);
    return { conn, connectMs: t1 - t0, tlsMs: now() - t1 };
  }
  const tcp = await Deno.connect({ hostname: host, port });
  tcp.setNoDelay(true);
  const t1 = now();
  if (!spec.tls) return { conn: tcp, connectMs: t1 - t0, tlsMs: NaN };
  let conn: Deno.TlsConn;
  try {
    conn = await Deno.startTls(tcp, {
      hostname: spec.hostname,
      caCerts: s.caCerts,
      alpnProtocols: ["http/1.1"],
      unsafelyDisableHostnameVerification: s.insecureHostname ?? false,
    });
  } catch (err) {
    throw tlsError(err, spec.hostname);
  }
  await handshake(conn, spec.hostname);
  return { conn, connectMs: t1 - t0, tlsMs: now() - t1 };
}

async function handshake(conn: Deno.TlsConn, hostname: string): Promise<void> {
  try {
    await conn.handshake();
  } catch (err) {
    try {
      conn.close();
    } catch { /* already closed */ }
    throw tlsError(err, hostname);
  }
}

/**
 * The reason of a failed handshake, in words: what the certificate problem is and what to do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = tlsError(new Error("invalid peer certificate: UnknownIssuer"), "127.0.0.1");
 * assert.equal(e.message, "certificate signed by an unknown authority (give its CA with --cacert)");
 * const n = tlsError(new Error('invalid peer certificate: certificate not valid for name "127.0.0.1"; certificate is only valid for DnsName("api.example.com")'), "127.0.0.1");
 * assert.equal(n.message, "the certificate is for api.example.com, not 127.0.0.1 (use that name in the URL, with --connect-to for the address)");
 * ```
 */
export function tlsError(err: unknown, hostname: string): TlsError {
  const text = err instanceof Error ? err.message : String(err);
  if (/UnknownIssuer/i.test(text)) {
    return new TlsError("certificate signed by an unknown authority (give its CA with --cacert)");
  }
  if (/not valid for name/i.test(text)) {
    const names = [...text.matchAll(/(?:DnsName|IpAddress)\(\s*"?([^")]+)"?\s*\)/g)].map((m) =>
      m[1]
    );
    const valid = names.length > 0 ? names.join(", ") : "another name";
    return new TlsError(
      `the certificate is for ${valid}, not ${hostname} (use that name in the URL, with ` +
        "--connect-to for the address)",
    );
  }
  if (/expired/i.test(text)) return new TlsError("the certificate has expired");
  if (/CertificateRequired|certificate required/i.test(text)) {
    return new TlsError("the server asks for a client certificate (give --cert and --key)");
  }
  return new TlsError(`handshake failed: ${text}`);
}
