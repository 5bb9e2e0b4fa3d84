import { writeAll } from "../_support/io.ts";
import { startSilentOrigin } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import { location, options, proxyTo, startReverse, upstream } from "./_harness.ts";

const CLIENTS = 50;

Deno.test("ReverseProxy closes the upstream within 2 s of clients giving up on a silent origin", async () => {
  const origin = startSilentOrigin();
  // proxy_read is 10 s: only noticing the clients can end these exchanges in time.
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  const clients: Deno.Conn[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
      clients.push(conn);
      // Every fifth sends a chunked body, streamed before the wait begins.
      await writeAll(
        conn,
        i % 5 === 0
          ? `POST /${i} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`
          : `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`,
      );
    }
    await eventually(() => origin.received() === CLIENTS, 5000, "every request at the origin");
    for (const conn of clients.splice(0)) conn.close();
    await eventually(() => origin.closed() === CLIENTS, 2000, "every upstream connection closed");
  } finally {
    for (const conn of clients) conn.close();
    await p.close();
    await origin.close();
  }
});
