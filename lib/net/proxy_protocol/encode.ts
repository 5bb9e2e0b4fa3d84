import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "./_ip.ts";
import type { ProxyAddress } from "./types.ts";
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  TRANSPORT_DGRAM,
  TRANSPORT_STREAM,
  TRANSPORT_UNSPEC,
  V2_FIXED_LENGTH,
  V2_LOCAL,
  V2_PROXY,
  V2_SIGNATURE,
  V2_VERSION,
} from "./_wire.ts";

const encoder = new TextEncoder();

/**
 * The PROXY header to send first on a connection relayed for `source`, which connected to
 * `destination`. v1: `PROXY TCP4 src dst sport dport\r\n` (TCP6 for IPv6), `PROXY UNKNOWN\r\n`
 * when the families differ, a host is not an IP address or the transport is UDP. v2: the
 * binary PROXY command with AF_INET or AF_INET6 and STREAM (DGRAM for UDP `Deno.NetAddr`s), or
 * family UNSPEC with no addresses in the cases v1 says UNKNOWN (except UDP).
 * @param version `"v1"` (text) or `"v2"` (binary)
 * @param source the visitor's address
 * @param destination the address the visitor connected to
 * @returns the header bytes
 * @example
 * ```ts
 * const head = encodeProxyHeader("v1", conn.remoteAddr, conn.localAddr);
 * ```
 */
export function encodeProxyHeader(
  version: "v1" | "v2",
  source: ProxyAddress,
  destination: ProxyAddress,
): Uint8Array {
  const src = ipBytes(source.hostname);
  const dst = ipBytes(destination.hostname);
  const same = src !== undefined && dst !== undefined && src.length === dst.length;
  const udp = isUdp(source) || isUdp(destination);
  if (version === "v1") {
    if (!same || udp) return encoder.encode("PROXY UNKNOWN\r\n");
    const [family, format] = src.length === 4 ? ["TCP4", formatIpv4] : ["TCP6", formatIpv6];
    return encoder.encode(
      `PROXY ${family} ${format(src)} ${format(dst)} ${port(source)} ${port(destination)}\r\n`,
    );
  }
  if (!same) return v2Head(V2_PROXY, AF_UNSPEC, TRANSPORT_UNSPEC, 0);
  const length = src.length * 2 + 4;
  const out = v2Head(
    V2_PROXY,
    src.length === 4 ? AF_INET : AF_INET6,
    udp ? TRANSPORT_DGRAM : TRANSPORT_STREAM,
    length,
  );
  out.set(src, V2_FIXED_LENGTH);
  out.set(dst, V2_FIXED_LENGTH + src.length);
  const view = new DataView(out.buffer);
  view.setUint16(V2_FIXED_LENGTH + src.length * 2, port(source));
  view.setUint16(V2_FIXED_LENGTH + src.length * 2 + 2, port(destination));
  return out;
}

/**
 * The v2 LOCAL header: the connection is the sender's own (e.g. a health check), the receiver
 * uses the connection's real addresses. v1 has no such command.
 * @returns the 16 header bytes
 */
export function encodeLocalHeader(): Uint8Array {
  return v2Head(V2_LOCAL, AF_UNSPEC, TRANSPORT_UNSPEC, 0);
}

function v2Head(command: number, family: number, transport: number, length: number): Uint8Array {
  const out = new Uint8Array(V2_FIXED_LENGTH + length);
  out.set(V2_SIGNATURE);
  out[12] = (V2_VERSION << 4) | command;
  out[13] = (family << 4) | transport;
  out[14] = length >> 8;
  out[15] = length & 0xff;
  return out;
}

/** 4 or 16 bytes for an IP literal (brackets and an IPv6 zone are dropped), else undefined. */
function ipBytes(hostname: string): Uint8Array | undefined {
  let host = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  const zone = host.indexOf("%");
  if (zone >= 0) host = host.slice(0, zone);
  return host.includes(":") ? parseIpv6(host) : parseIpv4(host);
}

function isUdp(addr: ProxyAddress): boolean {
  return "transport" in addr && addr.transport === "udp";
}

function port(addr: ProxyAddress): number {
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 65535) {
    throw new RangeError(`port ${addr.port} is not in 0..65535`);
  }
  return addr.port;
}
