/**
 * The shape shared by the UDP forwarders a case starts.
 * @module
 */

/** Forward datagrams arriving on `listenPort` to `upstreamPort`, both on 127.0.0.1. */
export interface UdpRoute {
  /** UDP port the forwarder listens on. */
  listenPort: number;
  /** UDP port of the upstream server. */
  upstreamPort: number;
}
