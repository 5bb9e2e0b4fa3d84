import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { writeAll } from "../_support/io.ts";
import { eventually } from "../_support/wait.ts";
import {
  location,
  options,
  proxyTo,
  RawReader,
  startRawOrigin,
  startReverse,
  staticBody,
  textResponse,
  upstream,
} from "./_harness.ts";

// ReverseProxy as a unit: update() semantics, upstream state across updates, the tracker.

async function get(reader: RawReader, conn: Deno.Conn, path: string): Promise<string> {
  await writeAll(conn, `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
  const head = (await reader.readHead())!;
  const length = Number(/content-length: (\d+)/i.exec(head)![1]);
  return decoder.decode(await reader.readExactly(length));
}

Deno.test("ReverseProxy.update applies to new connections; open ones keep their options", async () => {
  const p = startReverse(options([location("/", staticBody("v1"))]));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    const reader = new RawReader(conn);
    assert.equal(await get(reader, conn, "/"), "v1");
    p.proxy.update(options([location("/", staticBody("v2"))]));
    assert.equal(await get(reader, conn, "/"), "v1", "the open connection keeps v1");
    assert.equal((await curl([`${p.url}/`])).stdout, "v2");
    assert.equal(p.proxy.options.servers[0].locations[0].rule, "/");
  } finally {
    conn.close();
    await p.close();
  }
});

Deno.test("ReverseProxy.update keeps an upstream's pool when its servers are unchanged", async () => {
  const origin = startRawOrigin((req) => textResponse(`ok ${req.requestLine}`));
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    assert.equal((await curl([`${p.url}/1`])).stdout, "ok GET /1 HTTP/1.1");
    // Same name and servers (a new object, other settings changed): state carries over.
    p.proxy.update(options([
      location("/", proxyTo(upstream("o", [origin.port], { method: { kind: "least_conn" } }))),
    ]));
    assert.equal((await curl([`${p.url}/2`])).stdout, "ok GET /2 HTTP/1.1");
    assert.equal(origin.accepted(), 1, "the pooled connection was reused after the update");
    // A different server list: a new group; the old one's idle connection is closed.
    const other = startRawOrigin((req) => textResponse(`other ${req.requestLine}`));
    try {
      p.proxy.update(options([location("/", proxyTo(upstream("o", [other.port])))]));
      await eventually(() => origin.ended() === 1, 5000, "the old idle connection to close");
      assert.equal((await curl([`${p.url}/3`])).stdout, "other GET /3 HTTP/1.1");
      assert.deepEqual(Object.keys(p.proxy.status().o), [`127.0.0.1:${other.port}`]);
    } finally {
      await other.close();
    }
  } finally {
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy tracks client connections and the upstream sockets they use", async () => {
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const origin = startRawOrigin(async (req) => {
    await release;
    return textResponse(`ok ${req.requestLine}`);
  });
  const p = startReverse(options([location("/", proxyTo(upstream("o", [origin.port])))]));
  try {
    const pending = curl([`${p.url}/t`]);
    await eventually(() => origin.requests.length === 1, 5000, "the request to arrive");
    assert.equal(p.proxy.tracker.size, 1, "one client connection");
    assert.equal(await p.proxy.tracker.idle(10), false, "client and upstream sockets are open");
    resolve();
    assert.equal((await pending).stdout, "ok GET /t HTTP/1.1");
    assert.equal(await p.proxy.tracker.idle(5000), true, "all closed or pooled (not tracked)");
    assert.equal(p.proxy.tracker.accepted, 1);
  } finally {
    resolve();
    await p.close();
    await origin.close();
  }
});

Deno.test("ReverseProxy.handle survives clients that reset or send nothing", async () => {
  const p = startReverse(options([location("/", staticBody("fine"))]));
  try {
    const quiet = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
    quiet.close();
    const partial = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
    await writeAll(partial, "GET / HTT");
    partial.close();
    await eventually(() => p.proxy.tracker.size === 0, 5000, "both connections to end");
    assert.equal((await curl([`${p.url}/`])).stdout, "fine");
  } finally {
    await p.close();
  }
});
