import { parseAddress } from "../net/address.ts";
import { type Checker, show, type Table, warnUnknownKeys } from "./_checker.ts";
import { optDuration, optInt, optString } from "./_fields.ts";
import type { KeyPath } from "./locate.ts";
import { DEFAULTS, type UpstreamServer } from "./schema.ts";

/** Keys of one server of an upstream (stream or http). */
export const UPSTREAM_SERVER_KEYS: readonly string[] = [
  "addr",
  "weight",
  "fail_timeout",
  "fall_times",
  "rise_times",
];
const ADDRESS_EXPECTED = 'host:port such as "127.0.0.1:8080"';

/** Validates one `{ addr, weight, fail_timeout, fall_times, rise_times }` of an upstream. */
export function validateUpstreamServer(
  c: Checker,
  s: Table,
  path: KeyPath,
): UpstreamServer | undefined {
  warnUnknownKeys(c, s, path, UPSTREAM_SERVER_KEYS);
  const addrText = optString(c, s, [...path, "addr"]);
  if (addrText === undefined) {
    return c.error([...path, "addr"], "is missing", ADDRESS_EXPECTED);
  }
  const addr = parseAddress(addrText, false);
  if (!addr) {
    c.error([...path, "addr"], `${show(addrText)} is not a valid address`, ADDRESS_EXPECTED);
  }
  const weight = optInt(c, s, [...path, "weight"], 1, 65535) ?? DEFAULTS.weight;
  const failTimeout = optDuration(c, s, [...path, "fail_timeout"]) ?? DEFAULTS.fail_timeout;
  const fall = optInt(c, s, [...path, "fall_times"], 1, 1000) ?? DEFAULTS.fall_times;
  const rise = optInt(c, s, [...path, "rise_times"], 1, 1000) ?? DEFAULTS.rise_times;
  if (!addr) return undefined;
  return {
    addr: addrText,
    hostname: addr.hostname,
    port: addr.port,
    weight,
    fail_timeout: failTimeout,
    fall_times: fall,
    rise_times: rise,
  };
}
