/**
 * The certificate a TLS server presents, read without trusting it, so a client can pin it
 * by fingerprint. `Deno.TlsConn` does not expose the peer's certificate (its handshake info
 * has only the ALPN protocol), but Deno's `node:tls` does (`getPeerCertificate().raw`).
 * @module
 */
import { connect } from "node:tls";
import { fingerprintOfDer } from "./fingerprint.ts";
import { pemEncode } from "./pem.ts";

/** Options of {@linkcode fetchPeerCertificate}. */
export interface PeerCertificateOptions {
  /** The name sent as SNI. @default hostname, unless it is an IP address */
  readonly serverName?: string;
  /** Give up after this many milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

/** The server's leaf certificate and its fingerprint. */
export interface PeerCertificate {
  /** The certificate the server presented, PEM. */
  readonly certPem: string;
  /** Its SHA-256 fingerprint, `AB:CD:...`. */
  readonly fingerprint: string;
}

/**
 * Connects to `hostname:port`, completes a TLS handshake without verifying the server and
 * returns the certificate it presented. The caller compares `fingerprint` with its pin and
 * then connects with `Deno.connectTls({ caCerts: [certPem] })`, which proves the server
 * holds that certificate's key.
 */
export function fetchPeerCertificate(
  target: { hostname: string; port: number },
  options: PeerCertificateOptions = {},
): Promise<PeerCertificate> {
  const { hostname, port } = target;
  const servername = options.serverName ?? (/^[\d.]+$|:/.test(hostname) ? undefined : hostname);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port, servername, rejectUnauthorized: false });
    socket.setTimeout(options.timeoutMs ?? 10_000, () => {
      socket.destroy(new Error(`TLS handshake with ${hostname}:${port} timed out`));
    });
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate()?.raw;
      socket.destroy();
      if (!raw?.length) {
        reject(new Error(`${hostname}:${port} presented no certificate`));
        return;
      }
      const der = new Uint8Array(raw);
      fingerprintOfDer(der).then(
        (fingerprint) => resolve({ certPem: pemEncode("CERTIFICATE", der), fingerprint }),
        reject,
      );
    });
  });
}
