import { decoder, encoder } from "../_support/bytes.ts";
import { assertUnder, idleCost, openMany } from "../_support/idle_memory.ts";
import { closeQuietly, writeAll } from "../_support/io.ts";
import { startOrigin } from "../_support/origins.ts";
import { makePki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const CLIENTS = 1000;
/**
 * A correctness bound, not a benchmark: an idle TLS keep-alive client (one socket, rustls'
 * state, a 1 KiB parked read) measured near 25 KiB for the first 1000; a 64 KiB read buffer
 * held while idle fails it.
 */
const MAX_KIB_PER_CLIENT = 48;

/** Sends one GET on `conn` and reads the answer through its body `idle /`. */
async function ask(conn: Deno.Conn): Promise<void> {
  await writeAll(conn, encoder.encode("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"));
  const buf = new Uint8Array(4096);
  let got = "";
  while (!got.endsWith("idle /")) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`closed after ${JSON.stringify(got)}`);
    got += decoder.decode(buf.subarray(0, n));
  }
  if (!got.startsWith("HTTP/1.1 200 ")) throw new Error(`answer ${JSON.stringify(got)}`);
}

Deno.test({
  name: "[http] bind_ssl: 1000 idle TLS keep-alive clients hold no read buffer",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await tempDir();
    const pki = await makePki(dir.path, [["a.test"]]);
    const ca = await Deno.readTextFile(pki.caFile);
    const a = pki.leaves["a.test"];
    const origin = startOrigin("idle");
    const port = freePort();
    const inst = await startInstance(
      dir.path,
      `
[[http.server]]
bind_ssl = "127.0.0.1:${port}"
cert = "${a.certFile}"
key = "${a.keyFile}"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:${origin.port}"
`,
    );
    const conns: Deno.TlsConn[] = [];
    try {
      const open = async () => {
        const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [ca] });
        await ask(conn);
        return conn;
      };
      // Warm-up: code paths compiled, pools and the upstream connection made.
      const warm = await openMany(32, open);
      await Promise.all(warm.map(async (c) => {
        for (let i = 0; i < 20; i++) await ask(c);
      }));
      warm.forEach(closeQuietly);
      const cost = await idleCost("tls keep-alive client", inst.process.pid, CLIENTS, async () => {
        conns.push(...await openMany(CLIENTS, open));
      });
      assertUnder(cost, MAX_KIB_PER_CLIENT, CLIENTS);
      await Promise.all(conns.slice(-8).map(ask));
    } finally {
      conns.forEach(closeQuietly);
      await inst.kill();
      await origin.close();
      await dir.cleanup();
    }
  },
});
