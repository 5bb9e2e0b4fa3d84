import { lookup } from "node:dns/promises";
import { log } from "../../log/logger.ts";
import { formatAddress } from "../../net/address.ts";
import { safeClose } from "../../net/relay.ts";
import type { TargetPolicy } from "../target_policy.ts";
import type { ProxyConnContext } from "../types.ts";
import { bytesToIp, ipToBytes, isUnspecifiedIp, unmapIpv4 } from "./_ip.ts";
import { writeAll } from "../../net/write.ts";
import { sendFinal } from "./_io.ts";
import {
  encodeReply,
  encodeUdpHeader,
  parseUdpHeader,
  type Socks5Address,
  Socks5AddressType,
  Socks5Reply,
  type Socks5Request,
  UDP_IP_HEADER_MAX,
} from "./codec.ts";

const logger = log("proxy", "socks5");

/** Targets a relay remembers (to accept their replies); the oldest is forgotten beyond this. */
const MAX_TARGETS = 256;
/** Domain names a relay remembers the resolution of. */
const MAX_NAMES = 64;
/** How long a resolved name is reused, in milliseconds. */
const NAME_TTL = 60_000;
/** Receive buffer size, per direction. */
const BUFFER_SIZE = 65536;

/** Settings of a {@link Socks5UdpRelay}. */
export interface Socks5UdpRelayOptions {
  /** The IP the client-facing socket binds to (port 0): the one the client connected to. */
  readonly bindHostname: string;
  /** The only IP datagrams from the client are accepted from. */
  readonly clientHostname: string;
  /**
   * The only port datagrams from the client are accepted from; 0 = the port of the first
   * datagram from `clientHostname`, from then on. @default 0
   */
  readonly clientPort?: number;
  /** Names the association in log lines, e.g. `conn 7`. @default "UDP relay" */
  readonly name?: string;
  /** Targets datagrams may go to (resolved address and port). @default any */
  readonly targets?: TargetPolicy;
}

/** Counters of one association. */
export interface Socks5UdpRelayStats {
  /** Datagrams relayed from the client to targets. */
  readonly sent: number;
  /** Datagrams relayed from targets back to the client. */
  readonly received: number;
  /** Datagrams dropped: foreign senders, fragments, bad headers, unresolved names, refused targets. */
  readonly dropped: number;
}

interface Resolved {
  readonly ip: string;
  readonly expires: number;
}

/**
 * The UDP side of one UDP ASSOCIATE: a socket facing the client (the address in the reply)
 * and, opened on first use, one socket per address family facing targets. A datagram from
 * the client loses its SOCKS5 header and goes to its DST; a datagram from a target the client
 * has sent to gets a header naming that target and goes to the client. Anything else (other
 * senders, fragments, malformed headers) is dropped. Each receive loop reuses one buffer.
 */
export class Socks5UdpRelay {
  readonly #client: Deno.DatagramConn;
  readonly #name: string;
  readonly #clientHostname: string;
  readonly #policy: TargetPolicy | undefined;
  #clientPort: number;
  /** Where replies go: the client's address as its first accepted datagram showed it. */
  #clientAddr: Deno.NetAddr | undefined;
  #targets: { v4?: Deno.DatagramConn; v6?: Deno.DatagramConn } = {};
  /** Families whose target socket could not be opened (logged once, not retried). */
  #unavailable = new Set<string>();
  /** `ip|port` of each target the client sent to → the header for its replies. */
  readonly #contacted = new Map<string, Uint8Array>();
  readonly #names = new Map<string, Resolved>();
  readonly #loops: Promise<void>[] = [];
  #closed = false;
  #sent = 0;
  #received = 0;
  #dropped = 0;

  /**
   * Binds the client-facing socket; throws what `Deno.listenDatagram` throws.
   * @param options where to bind and whom to accept
   */
  constructor(options: Socks5UdpRelayOptions) {
    this.#name = options.name ?? "UDP relay";
    this.#clientHostname = unmapIpv4(options.clientHostname);
    this.#clientPort = options.clientPort ?? 0;
    this.#policy = options.targets;
    this.#client = Deno.listenDatagram({
      transport: "udp",
      hostname: unmapIpv4(options.bindHostname),
      port: 0,
    });
  }

  /** The client-facing address (goes into the reply as BND.ADDR / BND.PORT). */
  get addr(): Deno.NetAddr {
    return this.#client.addr as Deno.NetAddr;
  }

  /** Datagrams relayed each way and dropped so far. */
  stats(): Socks5UdpRelayStats {
    return { sent: this.#sent, received: this.#received, dropped: this.#dropped };
  }

  /** Starts relaying. */
  start(): void {
    if (this.#loops.length === 0) this.#loops.push(this.#fromClient());
  }

  /** Closes every socket; resolves when the receive loops have ended. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const s of [this.#client, this.#targets.v4, this.#targets.v6]) {
        try {
          s?.close();
        } catch {
          // closed already
        }
      }
    }
    await Promise.all(this.#loops);
  }

  /** Whether a datagram from `from` is the client's; locks onto the first port seen. */
  #isClient(from: Deno.NetAddr): boolean {
    if (unmapIpv4(from.hostname) !== this.#clientHostname) return false;
    if (this.#clientPort === 0) this.#clientPort = from.port;
    else if (from.port !== this.#clientPort) return false;
    this.#clientAddr ??= from;
    return true;
  }

  async #fromClient(): Promise<void> {
    const buf = new Uint8Array(BUFFER_SIZE);
    while (!this.#closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await this.#client.receive(buf);
      } catch (e) {
        if (!this.#closed) this.#fail("receive from the client", e);
        return;
      }
      if (!this.#isClient(from as Deno.NetAddr)) {
        this.#dropped++;
        continue;
      }
      let header;
      try {
        header = parseUdpHeader(data);
      } catch {
        this.#dropped++;
        continue;
      }
      if (header.frag !== 0) {
        this.#dropped++;
        continue;
      }
      const ip = header.addressType === Socks5AddressType.DOMAIN
        ? await this.#resolve(header.address.hostname)
        : unmapIpv4(header.address.hostname);
      if (ip === undefined || header.address.port === 0) {
        this.#dropped++;
        continue;
      }
      const refusal = this.#policy?.refusal(ip, header.address.port);
      if (refusal) {
        logger.debug("{name}: datagram to {target} dropped: {refusal}", {
          name: this.#name,
          target: formatAddress({ hostname: ip, port: header.address.port }),
          refusal,
        });
        this.#dropped++;
        continue;
      }
      const target = { hostname: ip, port: header.address.port };
      const socket = this.#targetSocket(ip.includes(":"));
      if (!socket) {
        this.#dropped++;
        continue;
      }
      this.#remember(target);
      try {
        await socket.send(data.subarray(header.length), { transport: "udp", ...target });
        this.#sent++;
      } catch {
        // unreachable target, message too long, socket closed: UDP drops it silently too
        this.#dropped++;
      }
    }
  }

  async #fromTargets(socket: Deno.DatagramConn): Promise<void> {
    // Payloads land after room for the largest header, which is then written just before them.
    const buf = new Uint8Array(BUFFER_SIZE);
    const room = buf.subarray(UDP_IP_HEADER_MAX);
    while (!this.#closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await socket.receive(room);
      } catch (e) {
        if (!this.#closed) this.#fail("receive from a target", e);
        return;
      }
      const addr = from as Deno.NetAddr;
      const header = this.#contacted.get(`${addr.hostname}|${addr.port}`);
      if (!header || !this.#clientAddr) {
        this.#dropped++;
        continue;
      }
      const start = UDP_IP_HEADER_MAX - header.length;
      buf.set(header, start);
      try {
        await this.#client.send(
          buf.subarray(start, UDP_IP_HEADER_MAX + data.length),
          this.#clientAddr,
        );
        this.#received++;
      } catch {
        this.#dropped++;
      }
    }
  }

  /** The socket for targets of one family, opened (and its loop started) on first use. */
  #targetSocket(v6: boolean): Deno.DatagramConn | undefined {
    const key = v6 ? "v6" : "v4";
    let socket = this.#targets[key];
    // closed while a name was being resolved, or no socket of this family to be had
    if (socket || this.#closed || this.#unavailable.has(key)) return socket;
    try {
      socket = Deno.listenDatagram({ transport: "udp", hostname: v6 ? "::" : "0.0.0.0", port: 0 });
    } catch (e) {
      logger.warn("{name}: UDP relay {relay} cannot open an {family} socket for targets: {error}", {
        name: this.#name,
        relay: formatAddress(this.addr),
        family: v6 ? "IPv6" : "IPv4",
        error: (e as Error).message,
      });
      this.#unavailable.add(key);
      return undefined;
    }
    this.#targets[key] = socket;
    this.#loops.push(this.#fromTargets(socket));
    return socket;
  }

  /** Remembers a target so its replies are accepted; forgets the oldest beyond MAX_TARGETS. */
  #remember(target: Socks5Address): void {
    const key = `${target.hostname}|${target.port}`;
    const header = this.#contacted.get(key);
    if (header) {
      // most recently used last, so the oldest is the first key
      this.#contacted.delete(key);
      this.#contacted.set(key, header);
      return;
    }
    this.#contacted.set(key, encodeUdpHeader(target));
    if (this.#contacted.size > MAX_TARGETS) {
      this.#contacted.delete(this.#contacted.keys().next().value!);
    }
  }

  /** A domain name through the system resolver (hosts file included), cached a while. */
  async #resolve(hostname: string): Promise<string | undefined> {
    if (ipToBytes(hostname)) return canonicalIp(hostname); // e.g. "[::1]" sent as a domain
    const now = Date.now();
    const known = this.#names.get(hostname);
    if (known && known.expires > now) return known.ip;
    try {
      const ip = canonicalIp((await lookup(hostname)).address);
      this.#names.delete(hostname);
      this.#names.set(hostname, { ip, expires: now + NAME_TTL });
      if (this.#names.size > MAX_NAMES) this.#names.delete(this.#names.keys().next().value!);
      return ip;
    } catch {
      return undefined;
    }
  }

  #fail(what: string, e: unknown): void {
    logger.warn("{name}: UDP relay {relay}: {what} failed: {error}", {
      name: this.#name,
      relay: formatAddress(this.addr),
      what,
      error: (e as Error).message,
    });
    void this.close();
  }
}

/** An IP literal in the form Deno reports peers in (RFC 5952), IPv4-mapped as plain IPv4. */
function canonicalIp(ip: string): string {
  const bytes = ipToBytes(ip);
  return unmapIpv4(bytes ? bytesToIp(bytes) : ip);
}

/**
 * Serves a UDP ASSOCIATE request whose handshake is done: opens a {@link Socks5UdpRelay} on the
 * IP the client connected to, replies with its address, and keeps it until the control
 * connection ends (read to EOF) or nothing moves for `idleTimeout`. Never throws.
 *
 * Datagrams are accepted from the client's IP only. A non-zero DST.PORT in the request pins
 * the client port; a DST.ADDR other than the client's own (a client behind NAT announcing its
 * private address) is ignored, since trusting it would let a client aim the relay at others.
 */
export async function serveUdpAssociate(
  conn: Deno.TcpConn,
  request: Socks5Request,
  ctx: ProxyConnContext,
): Promise<void> {
  const peer = formatAddress(ctx.peer);
  const announced = request.address;
  const clientHostname = unmapIpv4(ctx.peer.hostname);
  const announcedIp = ipToBytes(announced.hostname) ? unmapIpv4(announced.hostname) : undefined;
  const own = announcedIp !== undefined &&
    (isUnspecifiedIp(announcedIp) || announcedIp === clientHostname);
  let relay: Socks5UdpRelay;
  try {
    relay = new Socks5UdpRelay({
      bindHostname: ctx.local.hostname,
      clientHostname,
      clientPort: own ? announced.port : 0,
      name: `conn ${ctx.id} ${peer}`,
      targets: ctx.options.targets,
    });
  } catch (e) {
    logger.warn("conn {id} {peer}: UDP ASSOCIATE failed: cannot open a relay socket: {error}", {
      id: ctx.id,
      peer,
      error: (e as Error).message,
    });
    await sendFinal(conn, encodeReply(Socks5Reply.GENERAL_FAILURE));
    return;
  }
  ctx.track(relay);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await writeAll(conn, encodeReply(Socks5Reply.SUCCEEDED, relay.addr));
    logger.debug("conn {id} {peer}: UDP ASSOCIATE {announced} relay {relay}", {
      id: ctx.id,
      peer,
      announced: formatAddress(announced),
      relay: formatAddress(relay.addr),
    });
    relay.start();
    let controlBytes = 0;
    const idle = ctx.options.idleTimeout;
    if (idle > 0) {
      let seen = -1;
      const check = () => {
        const s = relay.stats();
        // dropped datagrams do not count: a stranger must not keep the association alive
        const activity = s.sent + s.received + controlBytes;
        if (activity === seen) {
          safeClose(conn);
        } else {
          seen = activity;
          timer = setTimeout(check, idle);
        }
      };
      check();
    }
    // The association lives as long as the control connection: read it to its end.
    const buf = new Uint8Array(512);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      controlBytes += n;
    }
  } catch {
    // control connection reset, or closed by the idle timer or a drain: the association ends
  } finally {
    clearTimeout(timer);
    await relay.close();
    ctx.untrack(relay);
  }
}
