import assert from "node:assert/strict";
import { freePorts } from "../lib/ports.ts";
import { stopProcess } from "../lib/process.ts";
import { startDenoRelay } from "../servers/deno_relay.ts";

async function readExactly(conn: Deno.Conn, length: number): Promise<string> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await conn.read(buf.subarray(got));
    if (n === null) throw new Error(`EOF after ${got} of ${length} bytes`);
    got += n;
  }
  return new TextDecoder().decode(buf);
}

/** An origin that answers each 4-byte message upper-cased; `ended` tracks each connection. */
function startOrigin(): { listener: Deno.TcpListener; ended: Promise<void>[] } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ended: Promise<void>[] = [];
  (async () => {
    for await (const conn of listener) {
      ended.push((async () => {
        try {
          while (true) {
            const text = await readExactly(conn, 4);
            await conn.write(new TextEncoder().encode(text.toUpperCase()));
          }
        } catch {
          // EOF: the relay closed its side
        } finally {
          conn.close();
        }
      })());
    }
  })();
  return { listener, ended };
}

Deno.test("startDenoRelay() relays bytes both ways and closes upstream when the client goes", async () => {
  const origin = startOrigin();
  const [port] = freePorts(1);
  const relay = await startDenoRelay(port, (origin.listener.addr as Deno.NetAddr).port);
  try {
    const client = await Deno.connect({ hostname: "127.0.0.1", port });
    for (const message of ["ping", "pong"]) {
      await client.write(new TextEncoder().encode(message));
      assert.equal(await readExactly(client, 4), message.toUpperCase());
    }
    client.close();
    // Every upstream connection opened so far (the readiness check's and ours) sees EOF.
    assert.ok(origin.ended.length >= 1);
    await Promise.all(origin.ended);
  } finally {
    origin.listener.close();
    await stopProcess(relay);
  }
});
