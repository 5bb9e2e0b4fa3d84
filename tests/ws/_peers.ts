/** Independent WebSocket peers for tests: websockify, a python3 `websockets` client, certificates. */
import { runPython } from "../_support/python.ts";
import { decoder } from "../e2e/_harness.ts";

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

/**
 * A self-signed server certificate for `name` and 127.0.0.1, written to `dir`. It is marked
 * `CA:FALSE`: rustls (Deno) refuses a server certificate marked CA:TRUE, which is what
 * `openssl req -x509` makes by default (CaUsedAsEndEntity).
 */
export async function selfSignedCertificate(
  dir: string,
  name: string,
): Promise<{ cert: string; key: string }> {
  const r = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${dir}/self.key`,
      "-out",
      `${dir}/self.pem`,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-addext",
      `subjectAltName=DNS:${name},IP:127.0.0.1`,
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (r.code !== 0) throw new Error(`openssl: ${decoder.decode(r.stderr)}`);
  return { cert: `${dir}/self.pem`, key: `${dir}/self.key` };
}

/** A CA and a server certificate it signed for `name` and 127.0.0.1, written to `dir`. */
export async function makeCertificates(
  dir: string,
  name: string,
): Promise<{ ca: string; cert: string; key: string }> {
  const run = async (...args: string[]) => {
    const r = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output();
    if (r.code !== 0) throw new Error(`openssl ${args[0]}: ${decoder.decode(r.stderr)}`);
  };
  await run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=wmproxy test CA",
  );
  await run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    `/CN=${name}`,
  );
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    `subjectAltName=DNS:${name},IP:127.0.0.1\nbasicConstraints=CA:FALSE\n`,
  );
  await run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  );
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
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

/** A WebSocket echo server in this process (Deno.serve), counting its open sockets. */
export function wsEchoServer(): { port: number; open: () => number; close: () => Promise<void> } {
  const ac = new AbortController();
  let open = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response(`plain ${new URL(req.url).pathname}`);
      }
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onopen = () => open++;
      socket.onclose = () => open--;
      socket.onmessage = (e) => socket.send(e.data);
      return response;
    },
  );
  return { port: server.addr.port, open: () => open, close: () => (ac.abort(), server.finished) };
}
