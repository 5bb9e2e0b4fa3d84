import { CidrSet, ipToBigInt } from "../net/cidr.ts";

/** Loopback and unspecified addresses: this machine whatever its interfaces. */
const LOCAL = CidrSet.parse(["127.0.0.0/8", "::1/128", "0.0.0.0/32", "::/128"]) as CidrSet;

/**
 * The TCP ports this process serves on (its listeners and its control endpoint), kept current
 * across reloads by the supervisor and the app, and the one question the forward proxy asks of
 * them: is `ip:port` this process? (So a proxied request cannot read `/now` or call `/stop`.)
 *
 * @example One registry for a supervisor and a control endpoint run side by side
 * ```ts
 * import { OwnPorts, Supervisor } from "./mod.ts";
 *
 * const ownPorts = new OwnPorts();
 * const supervisor = new Supervisor({ ownPorts }); // publishes its listeners' ports
 * ownPorts.setControl([8837]);
 * ownPorts.isSelf("127.0.0.1", 8837); // true: the forward proxy refuses it
 * ```
 */
export class OwnPorts {
  #listeners: ReadonlySet<number> = new Set();
  #control: ReadonlySet<number> = new Set();
  #siblings: ReadonlySet<number> = new Set();
  readonly #interfaces: () => readonly string[];

  /**
   * An empty registry: no port is ours until the supervisor and the app publish theirs.
   * @param interfaces this machine's interface addresses, asked only when a port matches
   *   @default the addresses `Deno.networkInterfaces()` lists
   */
  constructor(interfaces: () => readonly string[] = interfaceAddresses) {
    this.#interfaces = interfaces;
  }

  /** The listeners' ports from now on (replaces the previous set). */
  setListeners(ports: Iterable<number>): void {
    this.#listeners = new Set(ports);
  }

  /** The control endpoint's ports from now on: none, one, or old and new while it moves. */
  setControl(ports: Iterable<number>): void {
    this.#control = new Set(ports);
  }

  /**
   * The ports the other isolates of this process serve on (with `workers > 1`: in the main
   * isolate the workers' ports, in a worker the main isolate's), from now on.
   */
  setSiblings(ports: Iterable<number>): void {
    this.#siblings = new Set(ports);
  }

  /** This isolate's own ports: its listeners' and the control endpoint's. */
  own(): number[] {
    return [...new Set([...this.#listeners, ...this.#control])];
  }

  /** Whether `port` is one this process serves on. */
  has(port: number): boolean {
    return this.#listeners.has(port) || this.#control.has(port) || this.#siblings.has(port);
  }

  /**
   * Whether connecting to `ip:port` reaches this process: the port is one of ours and the
   * address loopback, unspecified (`0.0.0.0`, `::`) or one of this machine's interfaces.
   * @param ip an IP literal
   * @param port a port
   * @returns true for this process
   */
  isSelf(ip: string, port: number): boolean {
    if (!this.has(port)) return false;
    if (LOCAL.has(ip)) return true;
    const value = ipValue(ip);
    return value !== undefined && this.#interfaces().some((a) => ipValue(a) === value);
  }
}

/** The address as one number, IPv4-mapped IPv6 as its IPv4 value; undefined if not an IP. */
function ipValue(ip: string): bigint | undefined {
  const parsed = ipToBigInt(ip);
  if (!parsed) return undefined;
  if (parsed.v6 && parsed.value >> 32n === 0xffffn) return parsed.value & 0xffffffffn;
  // Keep the families apart: an IPv6 value below 2^32 is not an IPv4 address.
  return parsed.v6 ? parsed.value | (1n << 128n) : parsed.value;
}

/** This machine's interface addresses; none when the permission is missing. */
function interfaceAddresses(): string[] {
  try {
    return Deno.networkInterfaces().map((i) => i.address);
  } catch {
    return [];
  }
}
