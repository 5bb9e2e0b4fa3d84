import { formatIpv4, formatIpv6, parseDecimal, parseIpv4, parseIpv6 } from "./_ip.ts";
import { ProxyProtocolError } from "./error.ts";
import type { ProxyHeader, ProxyTlv } from "./types.ts";
import {
  ADDRESS_LENGTH,
  AF_INET,
  AF_INET6,
  TRANSPORT_DGRAM,
  TRANSPORT_STREAM,
  TRANSPORT_UNSPEC,
  V1_MAX_LENGTH,
  V1_PREFIX,
  V2_FIXED_LENGTH,
  V2_LOCAL,
  V2_PROXY,
  V2_SIGNATURE,
  V2_VERSION,
} from "./_wire.ts";

/** A header and how many bytes of the input it took. */
export interface DecodedProxyHeader {
  /** The header. */
  readonly header: ProxyHeader;
  /** Its length in bytes: the payload starts there. */
  readonly length: number;
}

/**
 * Parses a PROXY header (v1 or v2) at the start of `bytes`. Returns undefined while `bytes`
 * is a valid but incomplete start of one; throws {@link ProxyProtocolError} as soon as it
 * cannot be one (neither signature, a v1 line over 107 bytes or malformed, a v2 header with an
 * unknown version, command, family or transport, or a length its addresses or TLVs do not fit).
 * @param bytes what the connection sent so far
 * @returns the header and its length, or undefined when more bytes are needed
 */
export function decodeProxyHeader(bytes: Uint8Array): DecodedProxyHeader | undefined {
  if (startsLike(bytes, V2_SIGNATURE)) {
    return bytes.length < V2_SIGNATURE.length ? undefined : decodeV2(bytes);
  }
  if (startsLike(bytes, V1_PREFIX)) {
    return bytes.length < V1_PREFIX.length ? undefined : decodeV1(bytes);
  }
  throw new ProxyProtocolError("the connection did not start with a PROXY header (v1 or v2)");
}

/** Whether `bytes` and `prefix` agree on their common length. */
function startsLike(bytes: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(bytes.length, prefix.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

const LF = 0x0a;
const CR = 0x0d;

function decodeV1(bytes: Uint8Array): DecodedProxyHeader | undefined {
  const end = bytes.subarray(0, V1_MAX_LENGTH).indexOf(LF);
  if (end < 0) {
    if (bytes.length >= V1_MAX_LENGTH) {
      throw new ProxyProtocolError(`v1 line longer than ${V1_MAX_LENGTH} bytes`);
    }
    return undefined;
  }
  if (bytes[end - 1] !== CR) throw new ProxyProtocolError("v1 line does not end with CRLF");
  // Printable ASCII only: the fields below are checked one by one.
  const raw = bytes.subarray(0, end - 1);
  if (raw.some((b) => b < 0x20 || b > 0x7e)) {
    throw new ProxyProtocolError("v1 line has a control or non-ASCII byte");
  }
  const line = String.fromCharCode(...raw);
  const fields = line.split(" ");
  const length = end + 1;
  if (fields[1] === "UNKNOWN") {
    // The rest of an UNKNOWN line is to be ignored.
    return { header: { kind: "unknown", version: 1, tlvs: [] }, length };
  }
  if (fields[1] !== "TCP4" && fields[1] !== "TCP6") {
    throw new ProxyProtocolError(`unknown v1 protocol "${fields[1]}"`);
  }
  if (fields.length !== 6) {
    throw new ProxyProtocolError(`v1 ${fields[1]} line needs 4 fields separated by one space`);
  }
  const [parse, format] = fields[1] === "TCP4" ? [parseIpv4, formatIpv4] : [parseIpv6, formatIpv6];
  const addresses = [fields[2], fields[3]].map((text) => {
    const ip = parse(text);
    if (ip === undefined) {
      throw new ProxyProtocolError(`"${text}" is not a valid ${fields[1]} address`);
    }
    return format(ip);
  });
  const ports = [fields[4], fields[5]].map((text) => {
    const port = parseDecimal(text, 65535);
    if (port === undefined) throw new ProxyProtocolError(`"${text}" is not a valid port`);
    return port;
  });
  return {
    header: {
      kind: "proxy",
      version: 1,
      transport: "tcp",
      source: netAddr(addresses[0], ports[0], "tcp"),
      destination: netAddr(addresses[1], ports[1], "tcp"),
      tlvs: [],
    },
    length,
  };
}

function decodeV2(bytes: Uint8Array): DecodedProxyHeader | undefined {
  if (bytes.length < V2_FIXED_LENGTH) return undefined;
  const version = bytes[12] >> 4;
  const command = bytes[12] & 0x0f;
  const family = bytes[13] >> 4;
  const transport = bytes[13] & 0x0f;
  const blockLength = (bytes[14] << 8) | bytes[15];
  if (version !== V2_VERSION) throw new ProxyProtocolError(`unknown version ${version}`);
  if (command !== V2_LOCAL && command !== V2_PROXY) {
    throw new ProxyProtocolError(`unknown v2 command 0x${command.toString(16)}`);
  }
  const addressLength = ADDRESS_LENGTH[family];
  if (addressLength === undefined) {
    throw new ProxyProtocolError(`unknown v2 address family 0x${family.toString(16)}`);
  }
  if (
    transport !== TRANSPORT_UNSPEC && transport !== TRANSPORT_STREAM &&
    transport !== TRANSPORT_DGRAM
  ) {
    throw new ProxyProtocolError(`unknown v2 transport 0x${transport.toString(16)}`);
  }
  if (blockLength < addressLength) {
    throw new ProxyProtocolError(
      `v2 length ${blockLength} is too short for the ${addressLength} address bytes`,
    );
  }
  const length = V2_FIXED_LENGTH + blockLength;
  if (bytes.length < length) return undefined;
  const block = bytes.subarray(V2_FIXED_LENGTH, length);
  const tlvs = decodeTlvs(block.subarray(addressLength));
  if (command === V2_LOCAL) return { header: { kind: "local", version: 2, tlvs }, length };
  if ((family !== AF_INET && family !== AF_INET6) || transport === TRANSPORT_UNSPEC) {
    return { header: { kind: "unknown", version: 2, tlvs }, length };
  }
  const ipLength = family === AF_INET ? 4 : 16;
  const format = family === AF_INET ? formatIpv4 : formatIpv6;
  const ports = new DataView(block.buffer, block.byteOffset + ipLength * 2, 4);
  const kind = transport === TRANSPORT_STREAM ? "tcp" : "udp";
  return {
    header: {
      kind: "proxy",
      version: 2,
      transport: kind,
      source: netAddr(format(block.subarray(0, ipLength)), ports.getUint16(0), kind),
      destination: netAddr(
        format(block.subarray(ipLength, ipLength * 2)),
        ports.getUint16(2),
        kind,
      ),
      tlvs,
    },
    length,
  };
}

/** type (1 byte), length (2, big-endian), value; they must fill `bytes` exactly. */
function decodeTlvs(bytes: Uint8Array): ProxyTlv[] {
  const tlvs: ProxyTlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 3) {
      throw new ProxyProtocolError(`v2 TLV at offset ${at} is cut short`);
    }
    const length = (bytes[at + 1] << 8) | bytes[at + 2];
    if (at + 3 + length > bytes.length) {
      throw new ProxyProtocolError(`v2 TLV 0x${bytes[at].toString(16)} length ${length} overruns`);
    }
    tlvs.push({ type: bytes[at], value: bytes.slice(at + 3, at + 3 + length) });
    at += 3 + length;
  }
  return tlvs;
}

function netAddr(hostname: string, port: number, transport: "tcp" | "udp"): Deno.NetAddr {
  return { transport, hostname, port };
}
