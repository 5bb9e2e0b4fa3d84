/**
 * Tunnel ends run as `main.ts` processes: the config text of a plain-TCP tunnel server and
 * client on 127.0.0.1, and probes of what a mapping answers.
 * @module
 */
import { decoder, encoder } from "./bytes.ts";
import { closeQuietly, readToEnd, roundTrip, writeAll } from "./io.ts";

/** Where a tunnel server listens; a missing front is not configured. */
export interface ServerPorts {
  /** `bind_addr`: where tunnel clients connect. */
  readonly bind: number;
  /** `map_tcp_bind`. */
  readonly tcp?: number;
  /** `map_http_bind`. */
  readonly http?: number;
  /** The control endpoint. @default disabled */
  readonly control?: number;
}

/** Credentials both ends use unless a test says otherwise. */
export const TUNNEL_USER = "tunnel";
/** See {@link TUNNEL_USER}. */
export const TUNNEL_PASS = "s3cret";

/**
 * A tunnel server without TLS; heartbeats every second (a silent client is dropped after 3 s),
 * `shutdown_timeout` 5 s. `extra` lines go into `[proxy]`.
 */
export function serverToml(ports: ServerPorts, extra = ""): string {
  return [
    ports.control === undefined ? "" : `control = "127.0.0.1:${ports.control}"`,
    "shutdown_timeout = 5",
    "[proxy]",
    'mode = "server"',
    `bind_addr = "127.0.0.1:${ports.bind}"`,
    `username = "${TUNNEL_USER}"`,
    `password = "${TUNNEL_PASS}"`,
    ports.tcp === undefined ? "" : `map_tcp_bind = "127.0.0.1:${ports.tcp}"`,
    ports.http === undefined ? "" : `map_http_bind = "127.0.0.1:${ports.http}"`,
    'heartbeat_interval = "1s"',
    'heartbeat_timeout = "3s"',
    extra,
    "",
  ].join("\n");
}

/** One `[[proxy.mappings]]` of a client. */
export interface MappingSpec {
  readonly name: string;
  readonly mode: "tcp" | "http";
  /** The local service's port on 127.0.0.1. */
  readonly port: number;
  readonly domain?: string;
  readonly remoteBind?: number;
}

/** What a client connects to and publishes. */
export interface ClientSpec {
  /** Tunnel servers' `bind_addr` ports on 127.0.0.1, in order. */
  readonly servers: readonly number[];
  readonly mappings: readonly MappingSpec[];
  /** @default TUNNEL_PASS */
  readonly password?: string;
  /** The control endpoint. @default disabled */
  readonly control?: number;
}

/** A tunnel client without TLS, heartbeats as {@link serverToml}. */
export function clientToml(spec: ClientSpec): string {
  const servers = spec.servers.map((p) => `"127.0.0.1:${p}"`).join(", ");
  const lines = [
    spec.control === undefined ? "" : `control = "127.0.0.1:${spec.control}"`,
    "shutdown_timeout = 5",
    "[proxy]",
    'mode = "client"',
    `server = [${servers}]`,
    `username = "${TUNNEL_USER}"`,
    `password = "${spec.password ?? TUNNEL_PASS}"`,
    'heartbeat_interval = "1s"',
    'heartbeat_timeout = "3s"',
  ];
  for (const m of spec.mappings) {
    lines.push(
      "[[proxy.mappings]]",
      `name = "${m.name}"`,
      `mode = "${m.mode}"`,
      `local_addr = "127.0.0.1:${m.port}"`,
    );
    if (m.domain !== undefined) lines.push(`domain = "${m.domain}"`);
    if (m.remoteBind !== undefined) lines.push(`remote_bind = "127.0.0.1:${m.remoteBind}"`);
  }
  lines.push("");
  return lines.join("\n");
}

/** Whether a short text comes back unchanged through `port` (an echo behind a tcp mapping). */
export async function echoes(port: number, text = "ping"): Promise<boolean> {
  try {
    return decoder.decode(await roundTrip(port, encoder.encode(text))) === text;
  } catch {
    return false;
  }
}

/**
 * What a visitor of `port` receives before the end (a tagged origin's tag), or `null` when the
 * connection is refused; "" when it is closed without a byte.
 */
export async function answerOf(port: number, timeoutMs = 5000): Promise<string | null> {
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return null;
  }
  try {
    return decoder.decode(await readToEnd(conn, timeoutMs));
  } catch {
    return "";
  } finally {
    closeQuietly(conn);
  }
}

/** An open connection through an echoing mapping, checked with a round trip per call. */
export class EchoStream {
  readonly #conn: Deno.Conn;
  readonly #buf = new Uint8Array(4096);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Connects to `port`. */
  static async open(port: number): Promise<EchoStream> {
    return new EchoStream(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Sends `text` and resolves true when the same text came back, false on the end or error. */
  async echo(text: string): Promise<boolean> {
    try {
      await writeAll(this.#conn, text);
      let got = "";
      while (got.length < text.length) {
        const n = await this.#conn.read(this.#buf);
        if (n === null) return false;
        got += decoder.decode(this.#buf.subarray(0, n));
      }
      return got === text;
    } catch {
      return false;
    }
  }

  /** Half-closes and reads to the end: what arrived after. */
  async finish(): Promise<string> {
    await this.#conn.closeWrite();
    return decoder.decode(await readToEnd(this.#conn, 10_000));
  }

  close(): void {
    closeQuietly(this.#conn);
  }
}
