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
import { PROXY_KEYS } from "./_validate_proxy.ts";
import {
  TUNNEL_CLIENT_KEYS,
  TUNNEL_COMMON_KEYS,
  TUNNEL_MAPPING_KEYS,
  TUNNEL_SERVER_KEYS,
} from "./_tunnel_keys.ts";
import { UPSTREAM_SERVER_KEYS } from "./_validate_upstream.ts";
import { STREAM_KEYS, STREAM_SERVER_KEYS, STREAM_UPSTREAM_KEYS, TOP_KEYS } from "./validate.ts";

/**
 * Accepted keys by section: `""` is the top level, other names are key paths, and
 * `"http (every level)"` holds the keys `[http]`, its servers and their locations all take.
 * `"proxy (tunnel ...)"` are the keys of a `[proxy]` that is a NAT-traversal tunnel end
 * (`mode = "server"` or `"client"`); a client's local proxy also takes the `"proxy"` keys.
 */
export const CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "": TOP_KEYS,
  "stream": STREAM_KEYS,
  "stream.upstream": STREAM_UPSTREAM_KEYS,
  "stream.upstream.server": UPSTREAM_SERVER_KEYS,
  "stream.server": STREAM_SERVER_KEYS,
  "proxy": PROXY_KEYS,
  "proxy (tunnel, both ends)": TUNNEL_COMMON_KEYS,
  "proxy (tunnel server)": TUNNEL_SERVER_KEYS,
  "proxy (tunnel client)": TUNNEL_CLIENT_KEYS,
  "proxy.mappings": TUNNEL_MAPPING_KEYS,
  "http": HTTP_KEYS,
  "http (every level)": HTTP_COMMON_KEYS,
  "http.upstream": HTTP_UPSTREAM_KEYS,
  "http.upstream.server": UPSTREAM_SERVER_KEYS,
  "http.upstream.health_check": HEALTH_CHECK_KEYS,
  "http.server": HTTP_SERVER_KEYS,
  "http.server.location": LOCATION_KEYS,
  "http.server.location.file_server": FILE_SERVER_KEYS,
});
