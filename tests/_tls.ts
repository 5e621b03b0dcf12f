/**
 * TLS for the tests and benchmarks: a CA and the certificates it signs, made with openssl, and
 * Debian's nginx serving HTTPS with them (optionally asking for a client certificate), with
 * `stub_status` to count the connections it accepted.
 *
 * @module
 */

/** Files of a test PKI, in one temporary folder. */
export interface Pki {
  dir: string;
  ca: string;
  /** The server's certificate (for `names`) and key. */
  cert: string;
  key: string;
  /** A client certificate and key signed by the same CA (for mutual TLS). */
  clientCert: string;
  clientKey: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (out.code !== 0) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** A CA, a server certificate for `names` (DNS names and IPs), and a client certificate. */
export async function makePki(names: string[] = ["localhost", "127.0.0.1"]): Promise<Pki> {
  const dir = await Deno.makeTempDir({ prefix: "tpsdemo-pki-" });
  const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=tpsdemo test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ], dir);
  for (
    const [who, subject, ext] of [
      ["server", "/CN=tpsdemo test server", `subjectAltName=${san}\nextendedKeyUsage=serverAuth`],
      ["client", "/CN=tpsdemo test client", "extendedKeyUsage=clientAuth"],
    ] as const
  ) {
    await Deno.writeTextFile(`${dir}/${who}.ext`, `${ext}\n`);
    await openssl([
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${who}.key`,
      "-out",
      `${who}.csr`,
      "-subj",
      subject,
    ], dir);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${who}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${who}.pem`,
      "-days",
      "2",
      "-extfile",
      `${who}.ext`,
    ], dir);
  }
  return {
    dir,
    ca: `${dir}/ca.pem`,
    cert: `${dir}/server.pem`,
    key: `${dir}/server.key`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client.key`,
  };
}

/** nginx serving HTTPS on a free port. */
export interface TlsNginx {
  port: number;
  /** Plain-HTTP port of `stub_status` (`/status`). */
  statusPort: number;
  /** Connections nginx accepted so far (from `stub_status`). */
  accepted(): Promise<number>;
  stop(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** Starts nginx with `pki`'s server certificate; `verifyClient` asks for a client certificate. */
export async function startTlsNginx(
  pki: Pki,
  options: { verifyClient?: boolean; cpus?: string } = {},
): Promise<TlsNginx> {
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (!nginx) throw new Error("nginx is not installed (deno task test installs nginx-light)");
  const dir = await Deno.makeTempDir({ prefix: "tpsdemo-nginx-tls-" });
  const port = freePort(), statusPort = freePort();
  const verify = options.verifyClient
    ? `ssl_client_certificate ${pki.ca}; ssl_verify_client on;`
    : "";
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port} ssl; ssl_certificate ${pki.cert};
    ssl_certificate_key ${pki.key}; ${verify}
    location / { return 200 "ok"; } }
  server { listen 127.0.0.1:${statusPort}; location /status { stub_status; } } }
`,
  );
  const cmd = options.cpus ? "taskset" : nginx;
  const args = [...(options.cpus ? ["-c", options.cpus, nginx] : []), "-c", `${dir}/nginx.conf`];
  const child = new Deno.Command(cmd, {
    args: [...args, "-p", dir],
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 25)); // polling a port, not synchronising on time
    }
  }
  return {
    port,
    statusPort,
    async accepted() {
      const text = await (await fetch(`http://127.0.0.1:${statusPort}/status`)).text();
      // "Active connections: 1 \nserver accepts handled requests\n 5 5 9 \n…"
      return Number(/\n\s*(\d+)\s+\d+\s+\d+/.exec(text)![1]);
    },
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
