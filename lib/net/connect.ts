import { formatAddress } from "./address.ts";
import { startTimer, stopTimer } from "./timer.ts";

/** A connect that failed, with whether it timed out or was refused/unreachable. */
export class ConnectError extends Error {
  readonly kind: "timeout" | "refused" | "unreachable";
  readonly address: string;

  constructor(address: string, kind: ConnectError["kind"], cause?: unknown) {
    super(`connect to ${address} failed: ${kind}`, { cause });
    this.name = "ConnectError";
    this.kind = kind;
    this.address = address;
  }
}

/** Options for {@link connectTcp}. */
export interface ConnectTcpOptions {
  /** Give up after this many milliseconds. @default 10000 */
  timeout?: number;
}

/** Opens a TCP connection within a time limit; throws {@link ConnectError}. */
export async function connectTcp(
  hostname: string,
  port: number,
  options: ConnectTcpOptions = {},
): Promise<Deno.TcpConn> {
  // A timer cleared on return rather than AbortSignal.timeout(), whose timer stays queued
  // and fires (building a DOMException) long after a successful connect.
  const controller = new AbortController();
  const timer = startTimer(() => controller.abort(), options.timeout ?? 10_000);
  try {
    return await Deno.connect({ hostname, port, signal: controller.signal });
  } catch (e) {
    const address = formatAddress({ hostname, port });
    if (controller.signal.aborted) throw new ConnectError(address, "timeout", e);
    if (e instanceof Deno.errors.ConnectionRefused) throw new ConnectError(address, "refused", e);
    throw new ConnectError(address, "unreachable", e);
  } finally {
    stopTimer(timer);
  }
}
