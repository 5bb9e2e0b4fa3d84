import assert from "node:assert/strict";
import { assertUnder, idleCost, openMany, smallEcho } from "../_support/idle_memory.ts";
import { closeQuietly, ping } from "../_support/io.ts";
import { startServer, startWsEcho } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const BRIDGES = 1000;
/**
 * A correctness bound, not a benchmark: an idle bridge is a TCP socket with a small read and a
 * Deno WebSocket (its own buffers in the runtime), measured near 30 KiB for the first 1000; a
 * 64 KiB buffer held while idle fails it.
 */
const MAX_KIB_PER_BRIDGE = 56;

/** Starts one `[[stream.server]]` of `mode` to `url` and measures `open` against it. */
async function measureBridge<T extends { close(): void }>(
  mode: "tcp2ws" | "ws2tcp",
  url: string,
  open: (port: number) => Promise<T>,
  check: (conn: T) => Promise<void>,
): Promise<void> {
  const dir = await tempDir();
  const port = freePort();
  let inst: Instance | undefined;
  const conns: T[] = [];
  try {
    inst = await startInstance(
      dir.path,
      `
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
bind_mode = "${mode}"
proxy_url = "${url}"
`,
    );
    const warm = await openMany(32, () => open(port));
    warm.forEach(closeQuietly);
    const cost = await idleCost(`${mode} bridge`, inst.process.pid, BRIDGES, async () => {
      conns.push(...await openMany(BRIDGES, () => open(port)));
    });
    assertUnder(cost, MAX_KIB_PER_BRIDGE, BRIDGES);
    await Promise.all(conns.slice(-8).map(check));
  } finally {
    conns.forEach(closeQuietly);
    await inst?.kill();
    await dir.cleanup();
  }
}

/** Opens a WebSocket to the bridge and waits for one echoed message. */
function openWs(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.onopen = () => ws.send("x");
    ws.onmessage = () => {
      ws.onmessage = null;
      resolve(ws);
    };
    ws.onerror = () => reject(new Error("websocket failed"));
  });
}

/** Sends a message on an idle bridge's WebSocket and waits for its echo. */
function wsPing(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    ws.onmessage = (e) => {
      assert.equal(new TextDecoder().decode(new Uint8Array(e.data)), "still here");
      resolve();
    };
    ws.binaryType = "arraybuffer";
    ws.send("still here");
  });
}

Deno.test({
  name: "[ws] tcp2ws: idle bridges cost a few tens of KiB of RSS each, not a copy buffer",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const echo = startWsEcho();
    try {
      await measureBridge("tcp2ws", `ws://127.0.0.1:${echo.port}/`, async (port) => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await ping(conn, "x");
        return conn;
      }, (conn) => ping(conn, "still here"));
    } finally {
      await echo.close();
    }
  },
});

Deno.test({
  name: "[ws] ws2tcp: idle bridges cost a few tens of KiB of RSS each, not a copy buffer",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const origin = startServer(smallEcho);
    try {
      await measureBridge("ws2tcp", `tcp://127.0.0.1:${origin.port}`, openWs, wsPing);
    } finally {
      await origin.close();
    }
  },
});
