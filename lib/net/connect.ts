import { writeAll } from "./write.ts";
import { formatAddress } from "./address.ts";
import { startTimer, stopTimer, type Timer } from "./timer.ts";

/**
 * A connect that failed, with whether it timed out or was refused/unreachable, or was not
 * allowed at all (`denied`: a policy refused the target; `cause` says why).
 */
export class ConnectError extends Error {
  readonly kind: "timeout" | "refused" | "unreachable" | "tls" | "denied";
  readonly address: string;

  constructor(address: string, kind: ConnectError["kind"], cause?: unknown) {
    super(
      kind === "denied"
        ? `target ${address} refused: ${cause}`
        : `connect to ${address} failed: ${kind}`,
      { cause },
    );
    this.name = "ConnectError";
    this.kind = kind;
    this.address = address;
  }
}

/** Options for {@link connectTls}. */
export interface ConnectTlsOptions extends ConnectTcpOptions {
  /** Name sent as SNI and checked against the certificate. @default the hostname */
  serverName?: string;
  /** Bytes sent in clear before the handshake (a PROXY protocol header). @default none */
  preface?: Uint8Array;
}

/**
 * Opens a TCP connection and completes a TLS handshake on it, both within `timeout`; throws
 * {@link ConnectError} (`tls` when the handshake fails, e.g. an untrusted certificate). The
 * certificate is checked against Deno's trust store: Mozilla's roots, plus the CA file named by
 * `DENO_CERT`, or the system store with `DENO_TLS_CA_STORE=system`.
 */
export async function connectTls(
  hostname: string,
  port: number,
  options: ConnectTlsOptions = {},
): Promise<Deno.TlsConn> {
  const started = performance.now();
  const timeout = options.timeout ?? 10_000;
  const tcp = await connectTcp(hostname, port, { timeout });
  if (options.preface !== undefined) {
    try {
      await writeAll(tcp, options.preface);
    } catch (e) {
      tcp.close();
      throw new ConnectError(formatAddress({ hostname, port }), "refused", e);
    }
  }
  const tls = await Deno.startTls(tcp, { hostname: options.serverName ?? hostname });
  const left = Math.max(1, timeout - (performance.now() - started));
  let timer: Timer = undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = startTimer(() => resolve("timeout"), left);
  });
  try {
    if (await Promise.race([tls.handshake(), expired]) === "timeout") {
      throw new ConnectError(formatAddress({ hostname, port }), "timeout");
    }
    return tls;
  } catch (e) {
    try {
      tls.close();
    } catch {
      // already closed
    }
    if (e instanceof ConnectError) throw e;
    throw new ConnectError(formatAddress({ hostname, port }), "tls", e);
  } finally {
    stopTimer(timer);
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
