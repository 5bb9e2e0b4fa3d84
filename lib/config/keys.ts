/**
 * The keys the validator accepts, by config section. These are the very lists `validate()`
 * checks each table against before it warns "unknown or unsupported key; ignored", so they are
 * the whole vocabulary of a config file (tests/docs/reference_test.ts checks docs/ covers it).
 * @module
 */
import { FILE_SERVER_KEYS } from "./_validate_file_server.ts";
import {
  HEALTH_CHECK_KEYS,
  HTTP_COMMON_KEYS,
  HTTP_KEYS,
  HTTP_SERVER_KEYS,
  HTTP_UPSTREAM_KEYS,
  LOCATION_KEYS,
} from "./_validate_http.ts";
import { PROXY_KEYS, PROXY_TUNNEL_KEYS } from "./_validate_proxy.ts";
import { UPSTREAM_SERVER_KEYS } from "./_validate_upstream.ts";
import { STREAM_KEYS, STREAM_SERVER_KEYS, STREAM_UPSTREAM_KEYS, TOP_KEYS } from "./validate.ts";

/**
 * Accepted keys by section: `""` is the top level, other names are key paths, and
 * `"http (every level)"` holds the keys `[http]`, its servers and their locations all take.
 * `"proxy (NAT traversal)"` keys are recognised but make the `[proxy]` section ignored.
 */
export const CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "": TOP_KEYS,
  "stream": STREAM_KEYS,
  "stream.upstream": STREAM_UPSTREAM_KEYS,
  "stream.upstream.server": UPSTREAM_SERVER_KEYS,
  "stream.server": STREAM_SERVER_KEYS,
  "proxy": PROXY_KEYS,
  "proxy (NAT traversal)": PROXY_TUNNEL_KEYS,
  "http": HTTP_KEYS,
  "http (every level)": HTTP_COMMON_KEYS,
  "http.upstream": HTTP_UPSTREAM_KEYS,
  "http.upstream.server": UPSTREAM_SERVER_KEYS,
  "http.upstream.health_check": HEALTH_CHECK_KEYS,
  "http.server": HTTP_SERVER_KEYS,
  "http.server.location": LOCATION_KEYS,
  "http.server.location.file_server": FILE_SERVER_KEYS,
});
