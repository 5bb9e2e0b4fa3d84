import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { readAll, roundTrip, writeAll } from "../_support/io.ts";
import { startServer, tagged } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

Deno.test("tcp forwarder spreads connections by weight within ±5% over 3 backends", async () => {
  const dir = await tempDir();
  const backends = ["A", "B", "C"].map((t) => startServer(tagged(t)));
  const [wa, wb, wc] = [100, 200, 300];
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `
disable_control = true
[[stream.upstream]]
name = "three"
server = [
  { addr = "127.0.0.1:${backends[0].port}", weight = ${wa} },
  { addr = "127.0.0.1:${backends[1].port}", weight = ${wb} },
  { addr = "127.0.0.1:${backends[2].port}", weight = ${wc} },
]
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
up_name = "three"
`,
  );
  try {
    const counts: Record<string, number> = { A: 0, B: 0, C: 0 };
    const total = 600;
    for (let i = 0; i < total; i++) {
      const tag = decoder.decode(await roundTrip(port, new Uint8Array(0)));
      counts[tag]++;
    }
    const sum = wa + wb + wc;
    for (const [tag, w] of [["A", wa], ["B", wb], ["C", wc]] as const) {
      const expected = (total * w) / sum;
      assert.ok(
        Math.abs(counts[tag] - expected) <= expected * 0.05,
        `${tag}: ${counts[tag]} connections, expected ${expected} ±5% (${JSON.stringify(counts)})`,
      );
    }
  } finally {
    await inst.kill();
    await Promise.all(backends.map((b) => b.close()));
    await dir.cleanup();
  }
});

Deno.test("tcp forwarder skips a dead backend with no client error and marks it down", async () => {
  const dir = await tempDir();
  const live = startServer(tagged("live"));
  const dead = freePort(); // nothing listens here
  const port = freePort();
  const ctl = freePort();
  const inst = await startInstance(
    dir.path,
    `
control = "127.0.0.1:${ctl}"
[[stream.upstream]]
name = "two"
server = [
  { addr = "127.0.0.1:${dead}", fall_times = 2, fail_timeout = "60s" },
  { addr = "127.0.0.1:${live.port}" },
]
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
up_name = "two"
`,
  );
  try {
    for (let i = 0; i < 50; i++) {
      assert.equal(decoder.decode(await roundTrip(port, new Uint8Array(0))), "live");
    }
    const { body } = await control(`http://127.0.0.1:${ctl}`, "status");
    const listener =
      (body.listeners as { upstream: Record<string, { up: boolean; failures: number }> }[])[0];
    assert.equal(listener.upstream[`127.0.0.1:${dead}`].up, false);
    // Marked down after fall_times failures: no further connect attempts while down.
    assert.equal(listener.upstream[`127.0.0.1:${dead}`].failures, 2);
    assert.equal(listener.upstream[`127.0.0.1:${live.port}`].up, true);
  } finally {
    await inst.kill();
    await live.close();
    await dir.cleanup();
  }
});

Deno.test("tcp forwarder passes a half-close on so the backend can still answer", async () => {
  const dir = await tempDir();
  // Reads the whole request until EOF, then answers with its length.
  const backend = startServer(async (conn) => {
    const got = await readAll(conn);
    await writeAll(conn, encoder.encode(`got ${got.length} bytes`));
    await conn.closeWrite();
  });
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `
disable_control = true
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
`,
  );
  try {
    const answer = await roundTrip(port, new Uint8Array(300_000));
    assert.equal(decoder.decode(answer), "got 300000 bytes");
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("tcp forwarder closes a connection idle longer than timeout", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `
disable_control = true
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
timeout = "300ms"
`,
  );
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, encoder.encode("x"));
    const started = Date.now();
    // The echo comes back, then nothing: the proxy must close the idle connection.
    const got = await readAll(conn);
    conn.close();
    assert.equal(decoder.decode(got), "x");
    assert.ok(Date.now() - started < 5000, "idle connection was not closed");
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("tcp forwarder closes the client when no upstream server can be reached", async () => {
  const dir = await tempDir();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `
disable_control = true
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${freePort()}"
proxy_connect_timeout = "2s"
`,
  );
  try {
    const from = inst.lines.length;
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    assert.equal((await readAll(conn)).length, 0);
    conn.close();
    await inst.waitFor(/connect to 127\.0\.0\.1:\d+ failed: refused; no server left/, from);
    // And it keeps serving: a second client gets the same clean close.
    assert.equal((await roundTrip(port, encoder.encode("again"))).length, 0);
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});
