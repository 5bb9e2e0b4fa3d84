/**
 * The shape shared by the TCP forwarders a case starts.
 * @module
 */

/** Forward connections accepted on `listenPort` to `upstreamPort`, both on 127.0.0.1. */
export interface TcpRoute {
  /** Short name, used for HAProxy section names. */
  name: string;
  /** Port the forwarder listens on. */
  listenPort: number;
  /** Port of the upstream server. */
  upstreamPort: number;
}
