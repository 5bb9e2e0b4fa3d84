/**
 * SOCKS5 wire format (RFC 1928) and username/password sub-negotiation (RFC 1929): readers
 * for each message a peer sends and encoders for each message we send, for both the server
 * and the client side, plus the UDP datagram header. Knows nothing of sockets beyond
 * {@link Socks5Source}, of settings or of logging; malformed input throws {@link Socks5Error}.
 *
 * @module
 */
import { ProtocolError } from "../../net/protocol_error.ts";
import { bytesToIp, ipToBytes } from "./_ip.ts";

/** The version byte of every SOCKS5 message. */
export const SOCKS5_VERSION = 0x05;
/** The version byte of RFC 1929 username/password messages. */
export const USER_PASS_VERSION = 0x01;

/** Authentication methods (greeting and method selection). */
export const Socks5Method = {
  NO_AUTH: 0x00,
  GSSAPI: 0x01,
  USER_PASS: 0x02,
  NO_ACCEPTABLE: 0xff,
} as const;

/** Request commands. */
export const Socks5Command = {
  CONNECT: 0x01,
  BIND: 0x02,
  UDP_ASSOCIATE: 0x03,
} as const;

/** A request command code. */
export type Socks5CommandCode = typeof Socks5Command[keyof typeof Socks5Command];

/** Address types (`ATYP`). */
export const Socks5AddressType = {
  IPV4: 0x01,
  DOMAIN: 0x03,
  IPV6: 0x04,
} as const;

/** An address type code. */
export type Socks5AddressTypeCode = typeof Socks5AddressType[keyof typeof Socks5AddressType];

/** Reply codes (`REP`). */
export const Socks5Reply = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;

/** A reply code. */
export type Socks5ReplyCode = typeof Socks5Reply[keyof typeof Socks5Reply];

/** A malformed SOCKS5 message, with the reply code to answer it with when SOCKS5 has one. */
export class Socks5Error extends ProtocolError {
  /** The reply to send before closing (a request-stage problem); null = just close. */
  readonly reply: Socks5ReplyCode | null;

  /**
   * Creates the error.
   * @param problem what was wrong, e.g. `unknown address type 0x05`
   * @param reply the reply code to answer with, if any
   */
  constructor(problem: string, reply: Socks5ReplyCode | null = null) {
    super("socks5", `socks5: ${problem}`);
    this.name = "Socks5Error";
    this.reply = reply;
  }
}

/**
 * Where a reader gets its bytes from; a {@link ByteReader} fits. Both methods throw when the
 * stream ends first.
 */
export interface Socks5Source {
  /** The next byte. */
  readByte(): Promise<number>;
  /** The next `n` bytes. */
  readExact(n: number): Promise<Uint8Array>;
}

/** A host (IPv4, IPv6 without brackets, or a domain name) and a port. */
export interface Socks5Address {
  /** IP literal or domain name. */
  readonly hostname: string;
  /** Port, 0..65535. */
  readonly port: number;
}

/** A request: what the client wants done, and where. */
export interface Socks5Request {
  /** CONNECT, BIND or UDP ASSOCIATE. */
  readonly command: Socks5CommandCode;
  /** How the address was sent. */
  readonly addressType: Socks5AddressTypeCode;
  /** DST.ADDR and DST.PORT. */
  readonly address: Socks5Address;
}

/** A server's reply to a request. */
export interface Socks5ReplyMessage {
  /** REP. */
  readonly reply: number;
  /** BND.ADDR and BND.PORT. */
  readonly address: Socks5Address;
}

/** Username and password from an RFC 1929 request. */
export interface Socks5Credentials {
  /** UNAME. */
  readonly username: string;
  /** PASSWD. */
  readonly password: string;
}

/** The header of a UDP ASSOCIATE datagram. */
export interface Socks5UdpHeader {
  /** FRAG: 0 for a whole datagram. */
  readonly frag: number;
  /** How the address was sent. */
  readonly addressType: Socks5AddressTypeCode;
  /** DST.ADDR / DST.PORT (client to relay) or the source (relay to client). */
  readonly address: Socks5Address;
  /** Header length: the payload starts here. */
  readonly length: number;
}

/** An address that means "any" (`0.0.0.0:0`), for replies that carry no useful address. */
export const UNSPECIFIED_ADDRESS: Socks5Address = Object.freeze({ hostname: "0.0.0.0", port: 0 });

const utf8 = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder();
const encoder = new TextEncoder();

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, "0")}`;
}

function checkVersion(version: number, what: string): void {
  if (version === SOCKS5_VERSION) return;
  const hint = version === 0x04 ? " (SOCKS4)" : "";
  throw new Socks5Error(`${what} has version ${hex(version)}${hint}, expected 0x05`);
}

// ---- greeting and method selection ----

/** Reads a greeting (`VER NMETHODS METHODS...`) and returns the methods offered. */
export async function readGreeting(src: Socks5Source): Promise<number[]> {
  checkVersion(await src.readByte(), "greeting");
  const count = await src.readByte();
  return count === 0 ? [] : [...await src.readExact(count)];
}

/** Encodes a greeting offering `methods` (1 to 255 of them). */
export function encodeGreeting(methods: readonly number[]): Uint8Array {
  if (methods.length < 1 || methods.length > 255) {
    throw new RangeError(`a greeting offers 1 to 255 methods, not ${methods.length}`);
  }
  return Uint8Array.from([SOCKS5_VERSION, methods.length, ...methods]);
}

/** Encodes the server's method selection (`VER METHOD`). */
export function encodeMethodSelection(method: number): Uint8Array {
  return Uint8Array.from([SOCKS5_VERSION, method]);
}

/** Reads the server's method selection and returns the method chosen. */
export async function readMethodSelection(src: Socks5Source): Promise<number> {
  checkVersion(await src.readByte(), "method selection");
  return await src.readByte();
}

// ---- RFC 1929 username/password ----

/** Reads a username/password request (`VER ULEN UNAME PLEN PASSWD`). */
export async function readUserPass(src: Socks5Source): Promise<Socks5Credentials> {
  const version = await src.readByte();
  if (version !== USER_PASS_VERSION) {
    throw new Socks5Error(`username/password request has version ${hex(version)}, expected 0x01`);
  }
  const username = lenient.decode(await src.readExact(await src.readByte()));
  const password = lenient.decode(await src.readExact(await src.readByte()));
  return { username, password };
}

/** Encodes a username/password request; each part is at most 255 bytes of UTF-8. */
export function encodeUserPass(username: string, password: string): Uint8Array {
  const u = encoder.encode(username);
  const p = encoder.encode(password);
  if (u.length > 255 || p.length > 255) {
    throw new RangeError("username and password are at most 255 bytes each");
  }
  const out = new Uint8Array(3 + u.length + p.length);
  out[0] = USER_PASS_VERSION;
  out[1] = u.length;
  out.set(u, 2);
  out[2 + u.length] = p.length;
  out.set(p, 3 + u.length);
  return out;
}

/** Encodes the server's answer to a username/password request. */
export function encodeUserPassStatus(ok: boolean): Uint8Array {
  return Uint8Array.from([USER_PASS_VERSION, ok ? 0x00 : 0x01]);
}

/** Reads the server's answer to a username/password request: whether it accepted. */
export async function readUserPassStatus(src: Socks5Source): Promise<boolean> {
  const version = await src.readByte();
  if (version !== USER_PASS_VERSION) {
    throw new Socks5Error(`username/password status has version ${hex(version)}, expected 0x01`);
  }
  return (await src.readByte()) === 0x00;
}

// ---- addresses ----

/** The wire form of an address: its type and `ADDR PORT` bytes (domain with its length). */
function addressBytes(address: Socks5Address): { type: Socks5AddressTypeCode; bytes: Uint8Array } {
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65535) {
    throw new RangeError(`port ${address.port} is not in 0..65535`);
  }
  const ip = ipToBytes(address.hostname);
  let type: Socks5AddressTypeCode;
  let host: Uint8Array;
  if (ip) {
    type = ip.length === 4 ? Socks5AddressType.IPV4 : Socks5AddressType.IPV6;
    host = ip;
  } else {
    const name = encoder.encode(address.hostname);
    if (name.length < 1 || name.length > 255) {
      throw new RangeError(`a domain name is 1 to 255 bytes, not ${name.length}`);
    }
    type = Socks5AddressType.DOMAIN;
    host = new Uint8Array(1 + name.length);
    host[0] = name.length;
    host.set(name, 1);
  }
  const bytes = new Uint8Array(host.length + 2);
  bytes.set(host);
  bytes[host.length] = address.port >> 8;
  bytes[host.length + 1] = address.port & 0xff;
  return { type, bytes };
}

/** Decodes a domain name: UTF-8, no control characters or spaces, brackets around IPv6 dropped. */
function decodeDomain(bytes: Uint8Array): string {
  let name: string;
  try {
    name = utf8.decode(bytes);
  } catch {
    throw new Socks5Error("domain name is not valid UTF-8", Socks5Reply.GENERAL_FAILURE);
  }
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x20\x7f]/.test(name)) {
    throw new Socks5Error(
      `domain name ${JSON.stringify(name)} contains control characters or spaces`,
      Socks5Reply.GENERAL_FAILURE,
    );
  }
  const bracketed = /^\[([0-9A-Fa-f:.]+)\]$/.exec(name);
  return bracketed ? bracketed[1] : name;
}

function unknownAddressType(type: number): Socks5Error {
  return new Socks5Error(
    `unknown address type ${hex(type)}`,
    Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED,
  );
}

/** Reads `ATYP ADDR PORT`. */
async function readAddress(
  src: Socks5Source,
): Promise<{ type: Socks5AddressTypeCode; address: Socks5Address }> {
  const type = await src.readByte();
  let hostname: string;
  if (type === Socks5AddressType.IPV4 || type === Socks5AddressType.IPV6) {
    hostname = bytesToIp(await src.readExact(type === Socks5AddressType.IPV4 ? 4 : 16));
  } else if (type === Socks5AddressType.DOMAIN) {
    const length = await src.readByte();
    if (length === 0) {
      throw new Socks5Error("domain name is empty", Socks5Reply.GENERAL_FAILURE);
    }
    hostname = decodeDomain(await src.readExact(length));
  } else {
    throw unknownAddressType(type);
  }
  const port = await src.readExact(2);
  return { type, address: { hostname, port: (port[0] << 8) | port[1] } };
}

// ---- request and reply ----

/** Reads a request (`VER CMD RSV ATYP DST.ADDR DST.PORT`). */
export async function readRequest(src: Socks5Source): Promise<Socks5Request> {
  const version = await src.readByte();
  if (version !== SOCKS5_VERSION) {
    throw new Socks5Error(
      `request has version ${hex(version)}, expected 0x05`,
      Socks5Reply.GENERAL_FAILURE,
    );
  }
  const command = await src.readByte();
  if (
    command !== Socks5Command.CONNECT && command !== Socks5Command.BIND &&
    command !== Socks5Command.UDP_ASSOCIATE
  ) {
    throw new Socks5Error(`unknown command ${hex(command)}`, Socks5Reply.COMMAND_NOT_SUPPORTED);
  }
  const reserved = await src.readByte();
  if (reserved !== 0) {
    throw new Socks5Error(
      `reserved byte is ${hex(reserved)}, expected 0x00`,
      Socks5Reply.GENERAL_FAILURE,
    );
  }
  const { type, address } = await readAddress(src);
  return { command, addressType: type, address };
}

/** Encodes a request. */
export function encodeRequest(command: number, address: Socks5Address): Uint8Array {
  const { type, bytes } = addressBytes(address);
  const out = new Uint8Array(4 + bytes.length);
  out.set([SOCKS5_VERSION, command, 0x00, type]);
  out.set(bytes, 4);
  return out;
}

/** Encodes a reply; `bound` is BND.ADDR/BND.PORT (an IP literal, or 0.0.0.0:0 when none). */
export function encodeReply(reply: number, bound: Socks5Address = UNSPECIFIED_ADDRESS): Uint8Array {
  const { type, bytes } = addressBytes(bound);
  const out = new Uint8Array(4 + bytes.length);
  out.set([SOCKS5_VERSION, reply, 0x00, type]);
  out.set(bytes, 4);
  return out;
}

/** Reads a reply (`VER REP RSV ATYP BND.ADDR BND.PORT`). */
export async function readReply(src: Socks5Source): Promise<Socks5ReplyMessage> {
  checkVersion(await src.readByte(), "reply");
  const reply = await src.readByte();
  const reserved = await src.readByte();
  if (reserved !== 0) throw new Socks5Error(`reserved byte is ${hex(reserved)}, expected 0x00`);
  const { address } = await readAddress(src);
  return { reply, address };
}

// ---- UDP datagram header ----

/**
 * Parses the header of a UDP ASSOCIATE datagram (`RSV RSV FRAG ATYP DST.ADDR DST.PORT`);
 * the payload is `datagram.subarray(header.length)`.
 */
export function parseUdpHeader(datagram: Uint8Array): Socks5UdpHeader {
  if (datagram.length < 4) throw new Socks5Error("datagram is shorter than a header");
  if (datagram[0] !== 0 || datagram[1] !== 0) {
    throw new Socks5Error("datagram reserved bytes are not zero");
  }
  const frag = datagram[2];
  const type: number = datagram[3];
  let offset = 4;
  let hostname: string;
  if (type === Socks5AddressType.IPV4 || type === Socks5AddressType.IPV6) {
    const size = type === Socks5AddressType.IPV4 ? 4 : 16;
    if (datagram.length < offset + size + 2) throw new Socks5Error("datagram header is truncated");
    hostname = bytesToIp(datagram.subarray(offset, offset + size));
    offset += size;
  } else if (type === Socks5AddressType.DOMAIN) {
    const size = datagram[4] ?? 0;
    if (size === 0) throw new Socks5Error("domain name is empty");
    offset = 5;
    if (datagram.length < offset + size + 2) throw new Socks5Error("datagram header is truncated");
    hostname = decodeDomain(datagram.subarray(offset, offset + size));
    offset += size;
  } else {
    throw unknownAddressType(type);
  }
  const port = (datagram[offset] << 8) | datagram[offset + 1];
  return {
    frag,
    addressType: type as Socks5AddressTypeCode,
    address: { hostname, port },
    length: offset + 2,
  };
}

/** Options for {@link encodeUdpHeader} and {@link encodeUdpDatagram}. */
export interface UdpHeaderOptions {
  /** FRAG: the fragment number; 0 for a whole datagram. @default 0 */
  readonly frag?: number;
}

/** Encodes a UDP datagram header for `address`. */
export function encodeUdpHeader(
  address: Socks5Address,
  options: UdpHeaderOptions = {},
): Uint8Array {
  const { type, bytes } = addressBytes(address);
  const out = new Uint8Array(4 + bytes.length);
  out.set([0x00, 0x00, options.frag ?? 0, type]);
  out.set(bytes, 4);
  return out;
}

/** A whole UDP ASSOCIATE datagram: header for `address`, then `payload`. */
export function encodeUdpDatagram(
  address: Socks5Address,
  payload: Uint8Array,
  options: UdpHeaderOptions = {},
): Uint8Array {
  const header = encodeUdpHeader(address, options);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  return out;
}

/** The longest header of a datagram whose address is an IP (IPv6): 4 + 16 + 2 bytes. */
export const UDP_IP_HEADER_MAX = 22;
