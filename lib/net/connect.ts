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
  const timeout = options.timeout ?? 10_000;
  const address = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  try {
    return await Deno.connect({ hostname, port, signal: AbortSignal.timeout(timeout) });
  } catch (e) {
    if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) {
      throw new ConnectError(address, "timeout", e);
    }
    if (e instanceof Deno.errors.ConnectionRefused) throw new ConnectError(address, "refused", e);
    throw new ConnectError(address, "unreachable", e);
  }
}
