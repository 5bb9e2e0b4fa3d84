import assert from "node:assert/strict";
import { writeAll } from "../_support/io.ts";
import { startSilentOrigin } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import { startProxy } from "./http_harness.ts";

const CLIENTS = 50;

Deno.test("http proxy closes the upstream within 2 s of clients giving up on a silent origin", async () => {
  const origin = startSilentOrigin();
  // The stall limit is 30 s: only noticing the clients can end these exchanges in time.
  const proxy = startProxy();
  const clients: Deno.Conn[] = [];
  try {
    const target = `http://127.0.0.1:${origin.port}`;
    for (let i = 0; i < CLIENTS; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      clients.push(conn);
      await writeAll(
        conn,
        i % 5 === 0
          ? `POST ${target}/${i} HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc`
          : `GET ${target}/${i} HTTP/1.1\r\nHost: x\r\n\r\n`,
      );
    }
    await eventually(() => origin.received() === CLIENTS, 5000, "every request at the origin");
    for (const conn of clients.splice(0)) conn.close();
    await eventually(() => origin.closed() === CLIENTS, 2000, "every upstream connection closed");
    await proxy.settled();
    assert.equal(proxy.tracked.size, 0, "no upstream socket left tracked");
  } finally {
    for (const conn of clients) conn.close();
    await proxy.close();
    await origin.close();
  }
});
