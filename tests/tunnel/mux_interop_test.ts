/**
 * Interop with hashicorp/yamux, an independent implementation, in both roles: byte-exact
 * echoes on 100 streams each way, one 64 MiB stream, and pings both ways.
 */
import assert from "node:assert/strict";
import { MuxSession } from "../../lib/tunnel/mux/session.ts";
import type { MuxStream } from "../../lib/tunnel/mux/stream.ts";
import { echoStream, readStream } from "../_support/mux.ts";
import { randomBytes } from "../_support/bytes.ts";
import { YamuxPeer, yamuxPeerBinary } from "../_support/yamux_go.ts";

const ignore = Deno.build.os !== "linux";
const STREAMS = 100;
const MIB = 1024 * 1024;
const PEER_FLAGS = [
  "-open",
  String(STREAMS),
  "-size",
  String(MIB),
  "-big",
  String(64 * MIB),
  "-pings",
  "3",
  "-keepalive",
  "50ms",
];

/** Echoes every stream the peer opens until the session ends. */
async function serveEchoes(session: MuxSession): Promise<void> {
  const echoes: Promise<void>[] = [];
  for (let s = await session.accept(); s; s = await session.accept()) {
    const stream = s;
    echoes.push(echoStream(stream).catch(() => {}).finally(() => stream.close()));
  }
  await Promise.all(echoes);
}

/** Sends `data` on a new stream, half-closes, and checks the echo is byte-exact. */
async function echoRoundTrip(session: MuxSession, data: Uint8Array): Promise<void> {
  const stream = await session.open();
  const [got] = await Promise.all([
    readStream(stream),
    stream.write(data).then(() => stream.closeWrite()),
  ]);
  assert.equal(got.length, data.length);
  assert.ok(Buffer.from(got).equals(Buffer.from(data)), `stream ${stream.id} echo differs`);
  stream.close();
}

/** Sends `block` `times` times on one stream and checks every echoed byte as it arrives. */
async function bigRoundTrip(session: MuxSession, block: Uint8Array, times: number) {
  const stream: MuxStream = await session.open();
  const check = (async () => {
    const buf = new Uint8Array(256 * 1024);
    let at = 0;
    while (true) {
      const n = await stream.read(buf);
      if (n === null) break;
      for (let i = 0; i < n; i++) {
        if (buf[i] !== block[(at + i) % block.length]) throw new Error(`byte ${at + i} differs`);
      }
      at += n;
    }
    return at;
  })();
  const send = (async () => {
    for (let i = 0; i < times; i++) await stream.write(block);
    await stream.closeWrite();
  })();
  const [received] = await Promise.all([check, send]);
  assert.equal(received, block.length * times);
  stream.close();
}

async function exercise(session: MuxSession, peer: YamuxPeer): Promise<void> {
  const serving = serveEchoes(session);
  const payloads = Array.from({ length: STREAMS }, () => randomBytes(MIB));
  await Promise.all([
    ...payloads.map((data) => echoRoundTrip(session, data)),
    bigRoundTrip(session, randomBytes(MIB), 64),
  ]);
  assert.match(await peer.line(/^pings ok/), /pings ok 3/);
  assert.match(await peer.line(/^opened ok/), /opened ok 100/);
  assert.ok(typeof await session.ping() === "number");
  assert.notEqual(session.rtt, null);
  assert.equal(session.isClosed, false, "the Go peer's keepalive pings were answered");
  session.close();
  assert.equal(await session.closed, null);
  await serving;
  const { code, lines } = await peer.finished();
  assert.equal(code, 0, lines.join("\n"));
  assert.ok(lines.includes("session closed"));
}

Deno.test({
  name: "MuxSession as client interoperates with a hashicorp/yamux server",
  ignore,
  async fn() {
    const peer = new YamuxPeer(await yamuxPeerBinary(), ["server", ...PEER_FLAGS]);
    try {
      const port = Number((await peer.line(/^listening \d+$/)).split(" ")[1]);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const session = new MuxSession(conn, { role: "client", keepAliveInterval: 50 });
      await exercise(session, peer);
    } finally {
      await peer.kill();
    }
  },
});

Deno.test({
  name: "MuxSession as server interoperates with a hashicorp/yamux client",
  ignore,
  async fn() {
    const binary = await yamuxPeerBinary();
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const peer = new YamuxPeer(binary, [
      "client",
      `127.0.0.1:${listener.addr.port}`,
      ...PEER_FLAGS,
    ]);
    try {
      const conn = await listener.accept();
      listener.close();
      const session = new MuxSession(conn, { role: "server", keepAliveInterval: 50 });
      await exercise(session, peer);
    } finally {
      try {
        listener.close();
      } catch {
        // closed after the accept
      }
      await peer.kill();
    }
  },
});
