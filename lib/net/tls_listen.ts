/**
 * A TLS listener whose certificate is chosen per connection by the SNI name the client sends.
 *
 * Deno 2.9's public `Deno.listenTls` takes one certificate. Its runtime also accepts a
 * resolver under `Symbol.for("unstableSniResolver")` (what its own `node:tls` SNICallback
 * uses): called with the SNI name (`""` when the client sent none) for each handshake, it
 * returns the `{ cert, key }` to present. This module is the one place that relies on it
 * (re-check when upgrading Deno).
 * @module
 */

import { listenerNoDelay } from "./tcp_no_delay.ts";

/** A certificate chain and its private key, PEM. */
export interface CertKeyPem {
  /** Certificate chain, PEM. */
  readonly cert: string;
  /** Private key, PEM. */
  readonly key: string;
}

/** Picks the certificate for a handshake. */
export interface CertResolver {
  /** The certificate for SNI name `serverName` (`""` when the client sent none). */
  certFor(serverName: string): CertKeyPem;
}

/** Options for {@link listenTlsSni}. */
export interface ListenTlsSniOptions {
  /** Address to bind. */
  readonly hostname: string;
  /** Port to bind (0: any). */
  readonly port: number;
  /** Where certificates come from; consulted on every handshake. */
  readonly certs: CertResolver;
  /** ALPN protocols offered. @default ["http/1.1"] */
  readonly alpnProtocols?: string[];
  /** Connections the kernel queues before accept. @default 511 */
  readonly backlog?: number;
}

const SNI_RESOLVER = Symbol.for("unstableSniResolver");

/**
 * Binds a TLS listener (with `reusePort`) that presents `certs.certFor(sni)` per handshake.
 * The connections it accepts have Nagle's algorithm off, like the TCP ones callers set with
 * `setNoDelay` (where {@link listenerNoDelay} can: Linux, with the `ffi` permission).
 */
export function listenTlsSni(options: ListenTlsSniOptions): Deno.TlsListener {
  const { certs } = options;
  const listenOptions = {
    hostname: options.hostname,
    port: options.port,
    transport: "tcp" as const,
    reusePort: true,
    tcpBacklog: options.backlog,
    alpnProtocols: options.alpnProtocols ?? ["http/1.1"],
    [SNI_RESOLVER]: (serverName: string) => certs.certFor(serverName),
  };
  const listener = Deno.listenTls(
    listenOptions as unknown as Deno.ListenTlsOptions & Deno.TlsCertifiedKeyPem,
  );
  listenerNoDelay(listener.addr.port);
  return listener;
}
