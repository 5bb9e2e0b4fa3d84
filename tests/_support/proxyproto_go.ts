/**
 * pires/go-proxyproto as an independent PROXY protocol peer: tests/_support/go/proxyproto_peer,
 * built with Debian's Go toolchain and library (golang-go, golang-github-pires-go-proxyproto-dev;
 * see .ci/packages.txt).
 * @module
 */
import { GoPeer, goPeerBinary } from "./go_peer.ts";

/** Builds the peer (once per process); fails with the packages to install when it cannot. */
export function proxyprotoPeerBinary(): Promise<string> {
  return goPeerBinary({
    name: "proxyproto_peer",
    library: "golang-github-pires-go-proxyproto-dev",
    users: "the PROXY protocol interop tests",
  });
}

/** A running proxyproto_peer (`accept` or `send ...`). */
export class ProxyprotoPeer extends GoPeer {
  constructor(binary: string, args: string[]) {
    super("proxyproto_peer", binary, args);
  }
}
