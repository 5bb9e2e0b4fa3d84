/** A parsed `host:port`; IPv6 hosts are kept without brackets. */
export interface Address {
  /** Host name or IP address, IPv6 without brackets. */
  readonly hostname: string;
  /** Port number, 0..65535. */
  readonly port: number;
}

const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62})?)*\.?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether `host` is a dotted-quad IPv4 address with every part in 0..255. */
export function isIpv4(host: string): boolean {
  const m = IPV4_RE.exec(host);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

/** Whether `host` looks like an IPv6 literal (without brackets). */
export function isIpv6(host: string): boolean {
  if (!host.includes(":") || !/^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(host)) return false;
  try {
    new URL(`http://[${host.replace(/%.*$/, "")}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `host:port`, `[v6]:port` or `v4:port`. Returns undefined for anything else,
 * including ports outside 0..65535 (or 1..65535 when `allowZero` is false).
 */
export function parseAddress(text: string, allowZero = true): Address | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535 || (!allowZero && port === 0)) return undefined;
  if (m[1] !== undefined) return isIpv6(m[1]) ? { hostname: m[1], port } : undefined;
  const host = m[2];
  if (/^[\d.]+$/.test(host)) return isIpv4(host) ? { hostname: host, port } : undefined;
  return HOST_RE.test(host) ? { hostname: host, port } : undefined;
}

/** Formats an address back to `host:port`, bracketing IPv6. */
export function formatAddress(addr: Address): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** Whether the address is on the loopback interface (127.0.0.0/8, ::1, localhost). */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h === "::1" || (isIpv4(h) && h.startsWith("127."));
}
