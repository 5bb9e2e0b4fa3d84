/**
 * Mux sessions over real loopback TCP: a connected socket pair, a client/server session pair,
 * and byte helpers for mux streams.
 * @module
 */
import { MuxSession, type MuxSessionOptions } from "../../lib/tunnel/mux/session.ts";
import type { MuxStream } from "../../lib/tunnel/mux/stream.ts";
import { concat } from "./bytes.ts";

/** Two ends of one TCP connection on 127.0.0.1. */
export async function tcpPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const accepted = listener.accept();
    const dialed = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    return [dialed, await accepted];
  } finally {
    listener.close();
  }
}

/** A client and a server session over one loopback TCP connection. */
export interface MuxPair {
  readonly client: MuxSession;
  readonly server: MuxSession;
  /** Closes both and waits for them to end. */
  close(): Promise<void>;
}

/** Sessions on both ends of a fresh loopback connection; `options` apply to both. */
export async function muxPair(options: Omit<MuxSessionOptions, "role"> = {}): Promise<MuxPair> {
  const [a, b] = await tcpPair();
  const client = new MuxSession(a, { ...options, role: "client" });
  const server = new MuxSession(b, { ...options, role: "server" });
  return {
    client,
    server,
    async close() {
      client.close();
      server.close();
      await Promise.all([client.closed, server.closed]);
    },
  };
}

/** Writes `data` in `chunk`-sized writes. */
export async function writeChunks(stream: MuxStream, data: Uint8Array, chunk = 65536) {
  for (let off = 0; off < data.length; off += chunk) {
    await stream.write(data.subarray(off, Math.min(data.length, off + chunk)));
  }
}

/** Reads a stream to its end (the peer's FIN). */
export async function readStream(stream: MuxStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  while (true) {
    const n = await stream.read(buf);
    if (n === null) return concat(...chunks);
    chunks.push(buf.slice(0, n));
  }
}

/** Reads to the end and counts bytes (for transfers too large to keep). */
export async function countStream(stream: MuxStream): Promise<number> {
  const buf = new Uint8Array(256 * 1024);
  let total = 0;
  while (true) {
    const n = await stream.read(buf);
    if (n === null) return total;
    total += n;
  }
}

/** Echoes every byte back, then half-closes. */
export async function echoStream(stream: MuxStream): Promise<void> {
  const buf = new Uint8Array(65536);
  while (true) {
    const n = await stream.read(buf);
    if (n === null) break;
    await stream.write(buf.subarray(0, n));
  }
  await stream.closeWrite();
}
