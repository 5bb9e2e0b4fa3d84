import { parseAddress } from "../net/address.ts";
import { type Checker, show, type Table, warnUnknownKeys } from "./_checker.ts";
import { optString, tableList } from "./_fields.ts";
import { headerList } from "./_validate_http.ts";
import { TUNNEL_MAPPING_KEYS } from "./_tunnel_keys.ts";
import type { KeyPath } from "./locate.ts";
import type { ProxyProtocolVersion, TunnelMapping, TunnelMappingMode } from "./schema.ts";

const MODES: readonly TunnelMappingMode[] = ["http", "https", "tcp", "proxy"];
const MODES_EXPECTED = '"http", "https", "tcp" or "proxy"';
const ADDRESS_EXPECTED = 'host:port such as "127.0.0.1:8080"';
const HOST_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/;

/**
 * Validates a tunnel client's `[[proxy.mappings]]`, each alone and against the others: unique
 * names, one http or https mapping per domain, at most one tcp mapping on the server's
 * `map_tcp_bind` (the others name a `remote_bind`, each its own) and one proxy mapping.
 */
export function validateMappings(c: Checker, raw: unknown, path: KeyPath): TunnelMapping[] {
  const out: TunnelMapping[] = [];
  const names = new Map<string, string>();
  const domains = new Map<string, string>();
  const remotes = new Map<string, string>();
  const where = (p: KeyPath) => `proxy.mappings[${p[p.length - 1]}]`;
  let sharedTcp: string | undefined;
  let proxyMapping: string | undefined;
  for (const [t, p] of tableList(c, raw, path)) {
    const m = validateMapping(c, t, p);
    if (m === undefined) continue;
    const here = where(p);
    /** Whether `key` was seen before (then an error at `p.field`), else records it. */
    const taken = (seen: Map<string, string>, key: string, field: string, value: string) => {
      const other = seen.get(key);
      if (other === undefined) seen.set(key, here);
      else c.error([...p, field], `${show(value)} is already used by ${other}`, `unique ${field}s`);
      return other !== undefined;
    };
    if (taken(names, m.name, "name", m.name)) continue;
    if (m.domain !== null) taken(domains, `${m.mode} ${m.domain}`, "domain", m.domain);
    if (m.mode === "tcp" && m.remote_bind !== null) {
      taken(remotes, m.remote_bind, "remote_bind", m.remote_bind);
    } else if (m.mode === "tcp") {
      if (sharedTcp !== undefined) {
        c.error(
          [...p, "remote_bind"],
          `is missing, and ${sharedTcp} already takes the server's map_tcp_bind`,
          'a remote_bind such as "0.0.0.0:6001" on all tcp mappings but one',
        );
      }
      sharedTcp ??= here;
    } else if (m.mode === "proxy") {
      if (proxyMapping !== undefined) {
        c.error(
          [...p, "mode"],
          `"proxy" is already the mode of ${proxyMapping}`,
          "one proxy mapping",
        );
      }
      proxyMapping ??= here;
    }
    out.push(m);
  }
  return out;
}

function validateMapping(c: Checker, t: Table, path: KeyPath): TunnelMapping | undefined {
  warnUnknownKeys(c, t, path, TUNNEL_MAPPING_KEYS);
  const name = optString(c, t, [...path, "name"]);
  if (name === undefined && t.name === undefined) {
    c.error([...path, "name"], "is missing", "a name for the mapping");
  } else if (name === "") c.error([...path, "name"], "is empty", "a name for the mapping");
  const modeText = optString(c, t, [...path, "mode"]);
  const mode = MODES.find((x) => x === modeText?.toLowerCase());
  if (modeText === undefined && t.mode === undefined) {
    c.error([...path, "mode"], "is missing", MODES_EXPECTED);
  } else if (modeText !== undefined && mode === undefined) {
    c.error([...path, "mode"], `${show(modeText)} is not a mapping mode`, MODES_EXPECTED);
  }
  const web = mode === "http" || mode === "https";
  const ignored = (key: string, modes: string) => {
    const v = t[key];
    if (v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)) {
      c.warn([...path, key], `only applies to ${modes} mappings; ignored`);
    }
  };

  const local = optString(c, t, [...path, "local_addr"]);
  if (mode === "proxy") ignored("local_addr", "http, https and tcp");
  else if (local === undefined && t.local_addr === undefined) {
    c.error([...path, "local_addr"], "is missing", `the local service, ${ADDRESS_EXPECTED}`);
  } else if (local !== undefined && !parseAddress(local, false)) {
    c.error([...path, "local_addr"], `${show(local)} is not a valid address`, ADDRESS_EXPECTED);
  }

  const domainText = optString(c, t, [...path, "domain"]);
  const domain = domainText?.trim().toLowerCase() || null;
  if (!web) ignored("domain", "http and https");
  else if (domain === null && t.domain === undefined) {
    c.error([...path, "domain"], "is missing", "the host name the server routes to this mapping");
  } else if (domain === null && domainText !== undefined) {
    c.error([...path, "domain"], "is empty", "the host name the server routes to this mapping");
  } else if (domain !== null && !HOST_NAME.test(domain)) {
    c.error(
      [...path, "domain"],
      `${show(domainText)} is not a host name`,
      'a name such as "example.com"',
    );
  }

  const headers = web ? headerList(c, t, [...path, "headers"]) : [];
  if (!web) ignored("headers", "http and https");

  const remote = optString(c, t, [...path, "remote_bind"]) ?? null;
  if (mode !== "tcp") ignored("remote_bind", "tcp");
  else if (remote !== null && !parseAddress(remote, false)) {
    c.error(
      [...path, "remote_bind"],
      `${show(remote)} is not a valid address`,
      'the server address to listen on, such as "0.0.0.0:6001"',
    );
  }

  const ppText = optString(c, t, [...path, "send_proxy_protocol"]);
  const pp = ppText === undefined ? null : ppText.toLowerCase();
  if (pp !== null && pp !== "v1" && pp !== "v2") {
    c.error(
      [...path, "send_proxy_protocol"],
      `${show(ppText)} is not a PROXY protocol version`,
      '"v1" or "v2"',
    );
  } else if (mode === "proxy") ignored("send_proxy_protocol", "http, https and tcp");

  if (name === undefined || name === "" || mode === undefined) return undefined;
  return {
    name,
    mode,
    local_addr: mode === "proxy" ? null : local ?? null,
    domain: web ? domain : null,
    headers: headers.map((h) => h.text),
    header_rules: headers.map((h) => h.rule),
    remote_bind: mode === "tcp" ? remote : null,
    send_proxy_protocol: mode === "proxy" ? null : pp as ProxyProtocolVersion | null,
  };
}
