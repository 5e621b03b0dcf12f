/**
 * A headless Chromium driven over the DevTools protocol, for the page tests (and the screenshots
 * in docs/, and the report bench): open a URL, wait for a console message, read every console
 * message and uncaught exception, take a screenshot. Chromium is Debian's `chromium` (installed
 * by `.ci/run` when missing); without it, {@linkcode launchBrowser} throws, so a test fails
 * rather than skips.
 *
 * @module
 */

/** A console message or an exception the page produced. */
export interface PageMessage {
  level: string;
  text: string;
}

/** One tab of a launched Chromium. */
export interface BrowserTab {
  /** Everything the page logged, and its uncaught exceptions (level "exception"). */
  messages: PageMessage[];
  /** Navigates and resolves once it has loaded. */
  open(url: string): Promise<void>;
  /** Resolves with the first console message (so far or later) that matches; rejects after `ms`. */
  waitForMessage(match: RegExp, ms: number): Promise<string>;
  /** Evaluates an expression in the page; returns its value. */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the whole page (`viewport`: of what the window shows). */
  screenshot(options?: { viewport?: boolean }): Promise<Uint8Array>;
}

/** A launched Chromium. */
export interface Browser {
  newTab(width?: number, height?: number): Promise<BrowserTab>;
  close(): Promise<void>;
}

/** The Chromium executable: `$CHROMIUM`, or Debian's. */
export function chromiumPath(): string {
  const candidates = [Deno.env.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const c of candidates) {
    if (!c) continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch { /* next */ }
  }
  throw new Error("Chromium not found: install Debian's 'chromium' (.ci/run does) or set CHROMIUM");
}

/** Starts a headless Chromium with a fresh profile. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "tpsdemo-chromium-" });
  const child = new Deno.Command(chromiumPath(), {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--no-default-browser-check",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // The DevTools endpoint is printed on stderr; the rest of stderr is drained.
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let endpoint: string | undefined;
  while (endpoint === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Chromium exited before it listened:\n${seen}`);
    seen += value;
    endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1];
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  const ws = new WebSocket(endpoint);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, (method: string, params: Record<string, unknown>) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.reject(new Error(`${m.error.message} (${m.error.code})`));
      else p?.resolve(m.result);
    } else if (m.sessionId) {
      listeners.get(m.sessionId)?.(m.method, m.params);
    }
  };
  const send = <T>(method: string, params: unknown = {}, sessionId?: string): Promise<T> => {
    const id = nextId++;
    ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise<T>((resolve, reject) =>
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
    );
  };

  return {
    async newTab(width = 1400, height = 900) {
      const { targetId } = await send<{ targetId: string }>("Target.createTarget", {
        url: "about:blank",
      });
      const { sessionId } = await send<{ sessionId: string }>("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      const messages: PageMessage[] = [];
      const waiters: { match: RegExp; resolve: (t: string) => void }[] = [];
      let loaded: (() => void) | undefined;
      const note = (level: string, text: string) => {
        messages.push({ level, text });
        for (const w of [...waiters]) {
          if (w.match.test(text)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(text);
          }
        }
      };
      listeners.set(sessionId, (method, params) => {
        if (method === "Runtime.consoleAPICalled") {
          const args = params.args as { value?: unknown; description?: string }[];
          note(String(params.type), args.map((a) => String(a.value ?? a.description)).join(" "));
        } else if (method === "Runtime.exceptionThrown") {
          const d = params.exceptionDetails as {
            text: string;
            exception?: { description?: string };
          };
          note("exception", `${d.text} ${d.exception?.description ?? ""}`);
        } else if (method === "Log.entryAdded") {
          const entry = params.entry as { level: string; text: string; url?: string };
          note(entry.level, `${entry.text}${entry.url ? ` (${entry.url})` : ""}`);
        } else if (method === "Page.loadEventFired") {
          loaded?.();
        }
      });
      await send("Page.enable", {}, sessionId);
      await send("Runtime.enable", {}, sessionId);
      await send("Log.enable", {}, sessionId);
      await send("Emulation.setDeviceMetricsOverride", {
        width,
        height,
        deviceScaleFactor: 1,
        mobile: false,
      }, sessionId);
      return {
        messages,
        async open(url) {
          const load = new Promise<void>((r) => loaded = r);
          await send("Page.navigate", { url }, sessionId);
          await load;
        },
        waitForMessage(match, ms) {
          const found = messages.find((m) => match.test(m.text));
          if (found) return Promise.resolve(found.text);
          return new Promise<string>((resolve, reject) => {
            const w = { match, resolve };
            waiters.push(w);
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(w), 1);
              const log = messages.map((m) => `  ${m.level}: ${m.text}`).join("\n");
              reject(
                new Error(`no console message ${match} within ${ms} ms; the page said:\n${log}`),
              );
            }, ms);
            const done = w.resolve;
            w.resolve = (t) => {
              clearTimeout(timer);
              done(t);
            };
          });
        },
        async evaluate<T>(expression: string) {
          const r = await send<{ result: { value: T } }>("Runtime.evaluate", {
            expression,
            returnByValue: true,
            awaitPromise: true,
          }, sessionId);
          return r.result.value;
        },
        async screenshot(options = {}) {
          const r = await send<{ data: string }>("Page.captureScreenshot", {
            format: "png",
            captureBeyondViewport: !options.viewport,
          }, sessionId);
          return Uint8Array.from(atob(r.data), (c) => c.charCodeAt(0));
        },
      };
    },
    async close() {
      ws.close();
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** The messages that are errors: console errors and uncaught exceptions. */
export function errorsOf(messages: PageMessage[]): PageMessage[] {
  return messages.filter((m) => m.level === "error" || m.level === "exception");
}
