/**
 * UDP for tests: an echo server that tags its replies, and a client that asks and waits for
 * the reply with a deadline.
 * @module
 */
import { concat, encoder } from "./bytes.ts";

/** A UDP server in this process that answers each datagram with `tag` + the datagram. */
export interface UdpTestServer {
  readonly port: number;
  /** Datagrams received so far. */
  readonly received: () => number;
  /** Distinct client addresses (host:port) seen. */
  readonly peers: () => Set<string>;
  close(): Promise<void>;
}

/** Starts a UDP echo on `hostname`:0; replies are `tag` followed by the payload. */
export function startUdpEcho(tag = "", hostname = "127.0.0.1"): UdpTestServer {
  const socket = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  const prefix = encoder.encode(tag);
  const peers = new Set<string>();
  let received = 0;
  const loop = (async () => {
    const buf = new Uint8Array(65536);
    while (true) {
      const [data, from] = await socket.receive(buf);
      received++;
      const addr = from as Deno.NetAddr;
      peers.add(`${addr.hostname}:${addr.port}`);
      await socket.send(concat(prefix, data), from);
    }
  })().catch(() => {});
  return {
    port: (socket.addr as Deno.NetAddr).port,
    received: () => received,
    peers: () => peers,
    async close() {
      socket.close();
      await loop;
    },
  };
}

/** A UDP client socket with a request/reply helper that fails after `timeoutMs`. */
export class UdpClient {
  readonly socket: Deno.DatagramConn = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  readonly #buf = new Uint8Array(65536);

  /** Sends `payload` to 127.0.0.1:`port` and returns the next datagram received. */
  async ask(port: number, payload: Uint8Array, timeoutMs = 3000): Promise<Uint8Array> {
    await this.socket.send(payload, { transport: "udp", hostname: "127.0.0.1", port });
    return await this.next(timeoutMs);
  }

  /** The next datagram received, or an error after `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<Uint8Array> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const [data] = await Promise.race([this.socket.receive(this.#buf), timeout]);
      return data.slice();
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.close();
  }
}
