import assert from "node:assert/strict";
import { ping, readAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const DRAINING = /stopping: draining open connections/;
const FORCED = /connections still open after the drain timeout/;

/**
 * Waits until connects to `port` are refused and returns how many attempts got through first.
 * The proxy closes its listener at once, but the runtime releases the socket on its next event
 * loop turn (about a millisecond later); a connect in that window completes in the kernel and is
 * reset with the socket, never served, which the callers check on the backend.
 */
async function waitRefused(port: number, timeoutMs = 1_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (let attempts = 0;; attempts++) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionRefused) return attempts;
      const reset = e instanceof Deno.errors.ConnectionReset ||
        e instanceof Deno.errors.NotConnected;
      if (!reset) throw e;
    }
    if (performance.now() > deadline) {
      throw new Error(`127.0.0.1:${port} still accepts ${timeoutMs} ms after stopping began`);
    }
  }
}

function config(ctl: number, port: number, backend: number, shutdownTimeout: string): string {
  return `control = "127.0.0.1:${ctl}"
shutdown_timeout = "${shutdownTimeout}"
[[stream.upstream]]
name = "echo"
server = [{ addr = "127.0.0.1:${backend}" }]
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
up_name = "echo"
`;
}

/**
 * Starts an instance with one echo listener and an open forwarded connection, runs `stop` on
 * it, and checks the graceful drain: the listener refuses at once, the open connection keeps
 * working until the client ends it, then the process exits 0 without forcing anything.
 */
async function assertGracefulStop(stop: (inst: Instance, base: string) => Promise<void>) {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  let inst: Instance | undefined;
  let conn: Deno.TcpConn | undefined;
  try {
    inst = await startInstance(dir.path, config(ctl, port, backend.port, "30s"));
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await ping(conn, "before stop");

    const from = inst.lines.length;
    await stop(inst, `http://127.0.0.1:${ctl}`);
    await inst.waitFor(DRAINING, from);
    // At once: refused within a second, while the drain would wait 30 s for the open connection.
    await waitRefused(port);
    assert.equal(backend.accepted(), 1, "a connection made after stopping began was forwarded");

    // Draining: the open connection still carries bytes both ways, so the process is alive.
    await ping(conn, "during the drain");
    await ping(conn, "y".repeat(200_000));
    assert.equal(inst.lines.some((l) => / stopped$/.test(l)), false, inst.log());

    // The client finishes: half-close, get the backend's EOF back, close.
    await conn.closeWrite();
    assert.equal((await readAll(conn)).length, 0);
    conn.close();
    conn = undefined;

    const status = await inst.exited();
    assert.equal(status.code, 0, inst.log());
    assert.equal(status.success, true);
    assert.ok(inst.lines.some((l) => / stopped$/.test(l)), inst.log());
    assert.equal(inst.lines.some((l) => FORCED.test(l)), false, inst.log());
  } finally {
    conn?.close();
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
}

Deno.test("control /stop stops accepting at once, drains the open connection, exits 0", async () => {
  await assertGracefulStop(async (_inst, base) => {
    const res = await control(base, "stop");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, "stopping");
  });
});

Deno.test("SIGTERM stops accepting at once, drains the open connection, exits 0", async () => {
  await assertGracefulStop((inst) => {
    inst.process.kill("SIGTERM");
    return Promise.resolve();
  });
});

Deno.test("stop force-closes a connection still open after shutdown_timeout and exits 0", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  let inst: Instance | undefined;
  let conn: Deno.TcpConn | undefined;
  try {
    inst = await startInstance(dir.path, config(ctl, port, backend.port, "1s"));
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await ping(conn, "never closed by the client");

    const from = inst.lines.length;
    const started = performance.now();
    const res = await control(`http://127.0.0.1:${ctl}`, "stop");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await inst.waitFor(DRAINING, from);
    await waitRefused(port);
    assert.equal(backend.accepted(), 1);

    // The client only reads; the proxy ends the connection once the timeout passes.
    const eof = await conn.read(new Uint8Array(16));
    assert.equal(eof, null);
    const status = await inst.exited();
    const elapsed = performance.now() - started;
    assert.equal(status.code, 0, inst.log());
    assert.ok(inst.lines.some((l) => FORCED.test(l)), inst.log());
    assert.ok(inst.lines.some((l) => / stopped$/.test(l)), inst.log());
    // Not before the timeout, and well before the 30 s default.
    assert.ok(elapsed >= 900, `exited after ${elapsed} ms, before shutdown_timeout`);
    assert.ok(elapsed < 15_000, `exited after ${elapsed} ms`);
  } finally {
    conn?.close();
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
});
