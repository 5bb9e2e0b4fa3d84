/**
 * hashicorp/yamux as an independent peer: tests/_support/go/yamux_peer, built with Debian's Go
 * toolchain and library (golang-go, golang-github-hashicorp-yamux-dev; see .ci/packages.txt).
 * @module
 */
import { GoPeer, goPeerBinary } from "./go_peer.ts";

/** Builds the peer (once per process); fails with the packages to install when it cannot. */
export function yamuxPeerBinary(): Promise<string> {
  return goPeerBinary({
    name: "yamux_peer",
    library: "golang-github-hashicorp-yamux-dev",
    users: "the yamux interop tests",
  });
}

/** A running yamux_peer (`server ...` or `client ADDR ...`). */
export class YamuxPeer extends GoPeer {
  constructor(binary: string, args: string[]) {
    super("yamux_peer", binary, args);
  }
}
