/**
 * One tunnel client's session as the server keeps it: the mux, the control stream and the
 * counters its status reports.
 * @module
 */
import type { MuxSession } from "../mux/session.ts";
import type { MuxStream } from "../mux/stream.ts";
import { type MessageReader, TunnelMessageError } from "../protocol/codec.ts";
import {
  type HelloMessage,
  type MappingOffer,
  parseMessage,
  type TunnelMessage,
} from "../protocol/messages.ts";

/** How long a client has to open its control stream and send `hello`, ms. */
export const HELLO_TIMEOUT_MS = 10_000;

/** A connected client, from its first byte to the end of its session. */
export class ServerSession {
  /** Mapping names the server took (shown in status). */
  mappings: string[] = [];
  /** Bytes carried to this client (finished visitor and egress streams). */
  sent = 0;
  /** Bytes carried from this client (finished visitor and egress streams). */
  received = 0;
  /** Set once `welcome` was sent: the session is counted and routed. */
  registered = false;
  /** Why the session ended, when the server ended it on its own account (for the log). */
  endNote: string | null = null;
  /** What the client offered last (`hello` or `mappings`), re-decided when the server reloads. */
  offers: readonly MappingOffer[] = [];
  /** The control stream, once the client opened it. */
  control: MuxStream | null = null;
  /** Writes on the control stream, one after the other (a reload may answer meanwhile). */
  controlWrites: Promise<void> = Promise.resolve();
  /** The username and password of the client's `hello` (its local proxy's credentials too). */
  credentials: { username: string; password: string } | null = null;
  #streams = 0;
  #drained: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly peer: string,
    readonly mux: MuxSession,
  ) {}

  /** Streams open now (visitors' and egress). */
  get streams(): number {
    return this.#streams;
  }

  /** A stream (a visitor's or an egress one) started. */
  begin(): void {
    this.#streams++;
  }

  /** A stream ended. */
  end(): void {
    this.#streams--;
    if (this.#streams > 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  /** Resolves once no stream is open (at once if none is). */
  drained(): Promise<void> {
    if (this.#streams === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }
}

/** Reads the next message of the control stream, typed; null at its end. */
export async function nextMessage(reader: MessageReader): Promise<TunnelMessage | null> {
  const raw = await reader.next();
  return raw === null ? null : parseMessage(raw);
}

/** Throws unless `message` is a `hello`. */
export function expectHello(message: TunnelMessage | null): HelloMessage {
  if (message === null) throw new TunnelMessageError("control stream ended before hello");
  if (message.type !== "hello") {
    throw new TunnelMessageError(`expected hello, got ${JSON.stringify(message.type)}`);
  }
  return message;
}

/** A short random session id (12 hex digits). */
export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
