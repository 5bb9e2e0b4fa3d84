/**
 * Independent WebSocket peers to test against: Debian's websockify, and a python3
 * `websockets` client run through {@link runPython}.
 * @module
 */
import { runPython } from "./python.ts";

/** A running websockify. */
export interface Websockify {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts Debian's websockify on 127.0.0.1:`port` bridging to 127.0.0.1:`target`, with TLS when
 * `cert`/`key` are given; resolves once it has printed its settings (it binds before that).
 */
export async function startWebsockify(
  port: number,
  target: number,
  tls?: { cert: string; key: string },
): Promise<Websockify> {
  const args = [`127.0.0.1:${port}`, `127.0.0.1:${target}`];
  if (tls) args.unshift(`--cert=${tls.cert}`, `--key=${tls.key}`, "--ssl-only");
  const child = new Deno.Command("websockify", { args, stdout: "piped", stderr: "piped" }).spawn();
  // It logs to stderr.
  const out = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/proxying from/.test(seen)) {
    const { value, done } = await out.read();
    if (done) throw new Error(`websockify exited: ${seen}`);
    seen += value;
  }
  // Keep draining its output so it never blocks on a full pipe.
  const drain = (async () => {
    while (!(await out.read()).done) { /* discard */ }
  })();
  const errs = child.stdout.pipeTo(new WritableStream());
  return {
    port,
    async close() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await Promise.all([drain, errs]).catch(() => {});
    },
  };
}

const PYTHON_CLIENT = `
import asyncio, os, sys
import websockets

async def main(url, size):
    async with websockets.connect(url, max_size=None) as ws:
        data = os.urandom(size)
        await ws.send(data)
        got = b""
        while len(got) < len(data):
            m = await ws.recv()
            assert isinstance(m, bytes), "expected binary"
            got += m
        assert got == data, "binary bytes differ"
        text = "h\\u00e9llo w\\u00f6rld \\u2713"
        await ws.send(text)
        want = text.encode("utf-8")
        got = b""
        while len(got) < len(want):
            got += await ws.recv()
        assert got == want, "text bytes differ: %r" % got
        print("ok", len(data), len(want))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
`;

/**
 * Runs a python3 `websockets` client against `url`: `size` random bytes as one binary message
 * and a UTF-8 text message, each expected back as bytes (a TCP echo behind ws2tcp). Returns
 * its stdout ("ok SIZE TEXTBYTES") and exit code.
 */
export async function pythonWsClient(
  url: string,
  size: number,
): Promise<{ code: number; out: string; err: string }> {
  const r = await runPython(["-c", PYTHON_CLIENT, url, String(size)], {
    modules: ["websockets"],
  });
  return { code: r.code, out: r.stdout.trim(), err: r.stderr };
}
