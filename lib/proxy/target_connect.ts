import { formatAddress, isIpv4, isIpv6 } from "../net/address.ts";
import { ConnectError, connectTcp } from "../net/connect.ts";
import { safeClose } from "../net/relay.ts";
import type { TargetPolicy } from "./target_policy.ts";

/** Options for {@link connectTarget}. */
export interface ConnectTargetOptions {
  /** Milliseconds to connect within. */
  readonly timeout: number;
  /** Which resolved addresses may be reached. */
  readonly policy: TargetPolicy;
}

/**
 * Connects to a client's target when `policy` allows it. An IP literal is checked before any
 * connection is made; every target is checked again on the address actually connected to (a
 * name that resolves to loopback, DNS rebinding), and closed before a byte is sent when
 * refused. Throws {@link ConnectError}, of kind `denied` for a refused target (its `cause` is
 * the reason).
 *
 * @param target host name or IP literal (IPv6 without brackets) and port
 * @param options time limit and policy
 * @returns the open connection
 */
export async function connectTarget(
  target: { readonly hostname: string; readonly port: number },
  options: ConnectTargetOptions,
): Promise<Deno.TcpConn> {
  const { hostname, port } = target;
  if (isIpv4(hostname) || isIpv6(hostname)) {
    const why = options.policy.refusal(hostname, port);
    if (why !== null) throw new ConnectError(formatAddress(target), "denied", why);
  }
  const conn = await connectTcp(hostname, port, { timeout: options.timeout });
  const remote = conn.remoteAddr;
  const why = options.policy.refusal(remote.hostname, remote.port);
  if (why === null) return conn;
  safeClose(conn);
  const resolved = formatAddress(remote);
  const address = formatAddress(target);
  throw new ConnectError(
    resolved === address ? address : `${address} (${resolved})`,
    "denied",
    why,
  );
}
