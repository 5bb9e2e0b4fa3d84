import type { HttpServer } from "../config/schema.ts";
import type { CertKeyPem, CertResolver } from "../net/tls_listen.ts";

interface Entry {
  readonly names: readonly string[];
  readonly pem: CertKeyPem;
}

/**
 * The certificates of the servers on one TLS address, chosen by SNI: a server whose `up_name`
 * has the name (exactly, or as `*.example.com` for one more label) wins; otherwise — no SNI,
 * an IP address, an unknown name — the first server with a certificate, as nginx's default
 * server. {@link update} swaps the table in place, so a reload changes certificates for new
 * handshakes without rebinding the socket.
 */
export class SniCertificates implements CertResolver {
  #entries: readonly Entry[] = [];

  /** @param servers the servers listening on the address, in config order */
  constructor(servers: readonly HttpServer[]) {
    this.update(servers);
  }

  /** Takes the certificates of a reloaded config. */
  update(servers: readonly HttpServer[]): void {
    this.#entries = servers.filter((s) => s.tls !== null).map((s) => ({
      names: s.up_name,
      pem: { cert: s.tls!.cert_pem, key: s.tls!.key_pem },
    }));
  }

  certFor(serverName: string): CertKeyPem {
    const name = serverName.toLowerCase();
    const entries = this.#entries;
    if (name !== "") {
      for (const e of entries) if (e.names.includes(name)) return e.pem;
      const dot = name.indexOf(".");
      if (dot > 0) {
        const wildcard = `*${name.slice(dot)}`;
        for (const e of entries) if (e.names.includes(wildcard)) return e.pem;
      }
    }
    return entries[0].pem;
  }
}
