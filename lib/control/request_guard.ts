import { isIpv4, isIpv6, isLoopback, parseAddress } from "../net/address.ts";

/**
 * Why a request to the control endpoint is refused as cross-site, or null when it may go on.
 *
 * A web page the user visits can make the browser send simple requests to loopback (CSRF), and
 * after DNS rebinding even read the answers. Browsers always send `Host` (a rebound name is not
 * ours), and mark cross-origin requests with `Origin` or `Sec-Fetch-Site`; command-line clients
 * (curl, `wmproxy reload`) send none of these with other values, so they keep working.
 * @param headers the request's header fields
 * @param bound the address the control endpoint listens on
 * @param options `checkHost: false` skips the `Host` check (the metrics endpoint with a token)
 * @returns a short reason for a 403, or null
 */
export function crossSiteProblem(
  headers: Headers,
  bound: Deno.NetAddr,
  options: { readonly checkHost?: boolean } = {},
): string | null {
  if (headers.has("origin")) return "requests from web pages (Origin) are refused";
  const site = headers.get("sec-fetch-site")?.toLowerCase();
  if (site !== undefined && site !== "none" && site !== "same-origin") {
    return "cross-site requests are refused";
  }
  const host = headers.get("host");
  if (host === null || options.checkHost === false) return null;
  if (!hostAllowed(host, bound)) {
    return `Host ${JSON.stringify(host)} is not this control endpoint's address`;
  }
  return null;
}

/**
 * `Host` names the bound address, `localhost` or a loopback literal, with the bound port; on a
 * wildcard bind, any IP literal with that port (never a name, which could be rebound).
 */
function hostAllowed(host: string, bound: Deno.NetAddr): boolean {
  const addr = parseAddress(host.includes(":") && !host.endsWith("]") ? host : `${host}:80`);
  if (!addr || addr.port !== bound.port) return false;
  const name = addr.hostname.toLowerCase();
  if (name === bound.hostname.toLowerCase() || isLoopback(name)) return true;
  const wildcard = bound.hostname === "0.0.0.0" || bound.hostname === "::";
  return wildcard && (isIpv4(name) || isIpv6(name));
}
