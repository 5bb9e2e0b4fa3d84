/**
 * The PROXY protocol (HAProxy's spec, versions 1 and 2): the header a relay sends first on a
 * connection so the next hop learns the visitor's address. A codec only: encode a header to
 * send, read one from the start of an accepted connection.
 * @module
 */
export {
  acceptProxyHeader,
  type AcceptProxyHeaderOptions,
  ProxiedConn,
} from "./proxy_protocol/accept.ts";
export { type DecodedProxyHeader, decodeProxyHeader } from "./proxy_protocol/decode.ts";
export { encodeLocalHeader, encodeProxyHeader } from "./proxy_protocol/encode.ts";
export { ProxyProtocolError } from "./proxy_protocol/error.ts";
export { readProxyHeader, type ReadProxyHeaderOptions } from "./proxy_protocol/read.ts";
export type {
  ProxyAddress,
  ProxyHeader,
  ProxyHeaderLocal,
  ProxyHeaderProxied,
  ProxyHeaderRead,
  ProxyHeaderSource,
  ProxyHeaderUnknown,
  ProxyTlv,
} from "./proxy_protocol/types.ts";
