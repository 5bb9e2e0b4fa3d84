/**
 * The first request head a visitor sends on the tunnel server's http(s) front: read just far
 * enough to learn its `Host`, keeping every byte read so it can be passed on unchanged.
 * @module
 */
import type { Duplex } from "../../net/relay.ts";

/** Largest request head read before routing, bytes. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** What was read of the visitor's first request. */
export type HeadResult =
  /** The head ended; `host` is its Host (without port), null when it had none. */
  | { readonly kind: "head"; readonly bytes: Uint8Array; readonly host: string | null }
  /** The visitor closed (or failed) before a whole head arrived. */
  | { readonly kind: "closed" }
  /** No blank line within {@link MAX_HEAD_BYTES}. */
  | { readonly kind: "too_large" };

const latin1 = new TextDecoder("latin1");

/** Reads until the blank line ending the first request head. */
export async function readRequestHead(conn: Pick<Duplex, "read">): Promise<HeadResult> {
  const buf = new Uint8Array(MAX_HEAD_BYTES);
  let end = 0;
  let scanned = 0;
  while (end < buf.length) {
    let n: number | null;
    try {
      n = await conn.read(buf.subarray(end));
    } catch {
      return { kind: "closed" };
    }
    if (n === null || n === 0) return { kind: "closed" };
    end += n;
    const stop = headEnd(buf, Math.max(0, scanned - 3), end);
    if (stop >= 0) {
      const bytes = buf.slice(0, end);
      return { kind: "head", bytes, host: hostOf(latin1.decode(buf.subarray(0, stop))) };
    }
    scanned = end;
  }
  return { kind: "too_large" };
}

/** Index just past the first CRLF CRLF (or LF LF) in `buf[from, end)`, or -1. */
function headEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (buf[i] !== 0x0a) continue;
    if (i + 1 < end && buf[i + 1] === 0x0a) return i + 2;
    if (i + 2 < end && buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** The Host of a head (its header, else an absolute-form target), without port; or null. */
function hostOf(head: string): string | null {
  const lines = head.split(/\r?\n/);
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === "host") {
      return bareHost(line.slice(colon + 1).trim());
    }
  }
  const target = lines[0].split(" ")[1] ?? "";
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(target);
  return m ? bareHost(m[1].replace(/^.*@/, "")) : null;
}

function bareHost(value: string): string | null {
  if (value === "") return null;
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    return close > 0 ? value.slice(0, close + 1).toLowerCase() : null;
  }
  return value.replace(/:\d*$/, "").toLowerCase();
}
