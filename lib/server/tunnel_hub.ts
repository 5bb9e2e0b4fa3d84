import type { TunnelRole } from "../config/listeners.ts";
import { type Config, DEFAULTS, type TunnelTls } from "../config/schema.ts";
import { log } from "../log/logger.ts";
import { parseAddress } from "../net/address.ts";
import { ConnTracker } from "../net/conn_tracker.ts";
import { safeClose } from "../net/relay.ts";
import type { CertKeyPem, CertResolver } from "../net/tls_listen.ts";
import type { TunnelClient } from "../tunnel/client/client.ts";
import type { ClientStreamHandler } from "./tunnel_proxies.ts";
import type { TunnelServer } from "../tunnel/server/server.ts";
import { OwnPorts } from "./own_ports.ts";
import { TunnelSetupError } from "./errors.ts";
import { TcpSlot } from "./tcp_slot.ts";
import { tunnelClientOptions, tunnelServerOptions } from "./tunnel_options.ts";

const logger = log("server", "tunnel");

/** Files of the self-signed pairs made for `tc` and `map_https_bind` without `cert`/`key`. */
const AUTO_NAMES = { clients: "wmproxy-tunnel", https: "wmproxy-tunnel-https" } as const;

/**
 * The process's tunnel ends, which outlive reloads: the tunnel server (sessions of connected
 * clients, their routes) or the tunnel client (its sessions to servers). Config generations
 * update them in place; a generation without a tunnel stops them. Also holds the TCP sockets a
 * server opens for clients' `remote_bind` mappings, which come and go with the sessions rather
 * than with the config.
 */
export class TunnelHub {
  #server: TunnelServer | null = null;
  #client: TunnelClient | null = null;
  /** The client's stream handler of the running generation (reverse proxies to close). */
  #handler: ClientStreamHandler | null = null;
  readonly #configDir: string;
  readonly #pem: { clients: CertKeyPem | null; https: CertKeyPem | null } = {
    clients: null,
    https: null,
  };
  readonly #remote = new Map<string, TcpSlot>();
  readonly #remoteConns = new ConnTracker();
  readonly #ownPorts: OwnPorts;
  #grace = 10_000;
  /** The top-level `max_connections`, applied to each `remote_bind` socket. */
  #maxConnections: number = DEFAULTS.max_connections;

  /**
   * @param configDir where self-signed pairs are kept (beside the config file)
   * @param ownPorts this process's ports, which the tunnel's forward proxies refuse as targets
   */
  constructor(configDir: string, ownPorts: OwnPorts = new OwnPorts()) {
    this.#configDir = configDir;
    this.#ownPorts = ownPorts;
  }

  /** The running tunnel server, or null. */
  get server(): TunnelServer | null {
    return this.#server;
  }

  /** The running tunnel client, or null. */
  get client(): TunnelClient | null {
    return this.#client;
  }

  /** Certificates of a TLS tunnel address, looked up per handshake (reloads swap them). */
  certs(role: TunnelRole): CertResolver {
    const which = role === "clients" ? "clients" : "https";
    return {
      certFor: () => {
        const pem = this.#pem[which];
        if (pem === null) throw new Error(`no certificate for the tunnel's ${which} address`);
        return pem;
      },
    };
  }

  /**
   * Makes `config`'s tunnel end the running one: creates, updates or stops the server and
   * the client. Reads or creates certificate files; throws {@link TunnelSetupError} when they
   * cannot be had (nothing changes then).
   */
  async apply(config: Config): Promise<void> {
    this.#grace = config.shutdown_timeout * 1000;
    this.#maxConnections = config.max_connections ?? DEFAULTS.max_connections;
    for (const slot of this.#remote.values()) slot.setLimit(this.#maxConnections);
    const t = config.tunnel;
    if (t?.mode === "server") {
      // Both pairs first: a failure leaves the running ones as they are.
      const clients = t.tc && t.tls ? await this.#material(t.tls, "clients", t.bind_addr) : null;
      const https = t.map_https_bind && t.map_tls
        ? await this.#material(t.map_tls, "https", t.map_https_bind)
        : null;
      this.#pem.clients = clients;
      this.#pem.https = https;
      // Loaded on first use: a process without a tunnel does not carry its code.
      const { egressHandler } = await import("./tunnel_proxies.ts");
      const options = tunnelServerOptions(t, egressHandler(this.#ownPorts));
      if (this.#server === null) {
        const { TunnelServer } = await import("../tunnel/server/server.ts");
        this.#server = new TunnelServer(options);
        this.#server.onBindsChanged = () => this.#syncRemote();
      } else {
        this.#server.update(options);
      }
    } else if (this.#server !== null) {
      await this.#stopServer(this.#grace);
    }
    if (t?.mode === "client") {
      const { clientStreamHandler } = await import("./tunnel_proxies.ts");
      const handler = clientStreamHandler(t, this.#ownPorts);
      const options = tunnelClientOptions(t, handler.handle);
      if (this.#client === null) {
        const { TunnelClient } = await import("../tunnel/client/client.ts");
        this.#client = new TunnelClient(options);
        this.#client.start();
      } else {
        this.#client.update(options);
      }
      const previous = this.#handler;
      this.#handler = handler;
      await previous?.close();
    } else if (this.#client !== null) {
      const client = this.#client;
      this.#client = null;
      await client.stop(this.#grace);
      await this.#closeHandler();
    }
  }

  async #closeHandler(): Promise<void> {
    const handler = this.#handler;
    this.#handler = null;
    await handler?.close();
  }

  /** Stops both ends, letting open streams finish for up to `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    const client = this.#client;
    this.#client = null;
    await Promise.all([
      this.#server ? this.#stopServer(timeoutMs) : undefined,
      client?.stop(timeoutMs),
    ]);
    await this.#closeHandler();
  }

  /** What `/status` shows under `tunnel`; null without a tunnel. */
  status(): Record<string, unknown> | null {
    if (this.#server) {
      return {
        mode: "server",
        ...this.#server.status(),
        remote_binds: [...this.#remote.keys()],
      };
    }
    if (this.#client) return { mode: "client", ...this.#client.status() };
    return null;
  }

  async #stopServer(timeoutMs: number): Promise<void> {
    const server = this.#server!;
    this.#server = null;
    for (const slot of this.#remote.values()) await slot.close();
    this.#remote.clear();
    await server.stop(timeoutMs);
    this.#remoteConns.closeAll();
  }

  /** Binds a socket for each `remote_bind` a session asked for; closes those none asks for. */
  #syncRemote(): void {
    const server = this.#server;
    if (server === null) return;
    const wanted = new Set(server.tcpBinds());
    for (const [bind, slot] of this.#remote) {
      if (wanted.has(bind)) continue;
      this.#remote.delete(bind);
      void slot.close();
      logger.info("remote_bind {bind} closed: no client serves it now", { bind });
    }
    for (const bind of wanted) {
      if (this.#remote.has(bind)) continue;
      const addr = parseAddress(bind);
      if (addr === undefined) continue;
      const slot = new TcpSlot(addr.hostname, addr.port, {
        handle: async (conn) => {
          const current = this.#server;
          if (current === null) return safeClose(conn);
          this.#remoteConns.add(conn);
          try {
            await current.serveTcp(conn, bind);
          } finally {
            this.#remoteConns.delete(conn);
            safeClose(conn);
          }
        },
      });
      try {
        slot.bind();
      } catch (e) {
        logger.warn("remote_bind {bind}: cannot listen: {error}", {
          bind,
          error: (e as Error).message,
        });
        continue;
      }
      // Like every listener: at the limit accepting pauses and visitors wait in the backlog.
      slot.setLimit(this.#maxConnections);
      slot.start();
      this.#remote.set(bind, slot);
      logger.info("remote_bind {bind} listening for a client's tcp mapping", { bind });
    }
  }

  /** The PEM of a `TunnelTls`: read from files by the config, or the self-signed pair. */
  async #material(
    tls: TunnelTls,
    role: "clients" | "https",
    bind: string,
  ): Promise<CertKeyPem> {
    if (tls !== "auto") return { cert: tls.cert_pem, key: tls.key_pem };
    const host = parseAddress(bind)?.hostname ?? "localhost";
    const unspecified = host === "0.0.0.0" || host === "::";
    const names = unspecified ? ["localhost", "127.0.0.1"] : [host, "localhost"];
    const { ensureSelfSigned } = await import("../pki/ensure.ts");
    let pair;
    try {
      pair = await ensureSelfSigned(this.#configDir, { baseName: AUTO_NAMES[role], names });
    } catch (e) {
      throw new TunnelSetupError(
        `${role === "clients" ? "bind_addr" : "map_https_bind"} certificate`,
        e,
      );
    }
    if (pair.created) {
      logger.warn(
        "created a self-signed certificate for the tunnel's {role} address: {file} " +
          '(sha256 {fingerprint}); tunnel clients trust it with ca = "<a copy of that file>"',
        {
          role: role === "clients" ? "bind_addr" : "map_https_bind",
          file: pair.certFile,
          fingerprint: pair.fingerprint,
        },
      );
    }
    return { cert: pair.certPem, key: pair.keyPem };
  }
}
