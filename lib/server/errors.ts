/** A listener that could not be bound; the generation that needed it was rolled back. */
export class BindError extends Error {
  /** The listener's config name, e.g. `stream.server[1]`. */
  readonly listener: string;
  /** The address it needed, `host:port`. */
  readonly address: string;

  /** Creates an error that names the listener, the address and why binding failed. */
  constructor(listener: string, address: string, cause: unknown) {
    const why = cause instanceof Deno.errors.AddrInUse
      ? "address already in use"
      : cause instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : cause instanceof Deno.errors.AddrNotAvailable
      ? "address not available on this machine"
      : (cause as Error)?.message ?? String(cause);
    super(`${listener}: cannot listen on ${address}: ${why}`, { cause });
    this.name = "BindError";
    this.listener = listener;
    this.address = address;
  }
}

/** The control endpoint's address is taken, most likely by another wmproxy. */
export class ControlBusyError extends Error {
  /** The control address, `host:port`. */
  readonly address: string;

  /** Creates an error that names the address and the way out. */
  constructor(address: string, cause?: unknown) {
    super(
      `control ${address} is already in use (another wmproxy?); ` +
        "use --control ADDR or --disable-control",
      { cause },
    );
    this.name = "ControlBusyError";
    this.address = address;
  }
}

/** A tunnel end could not be set up (its certificate pair could not be read or made). */
export class TunnelSetupError extends Error {
  /** Creates an error that says what of the tunnel failed and why. */
  constructor(what: string, cause: unknown) {
    super(`tunnel ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "TunnelSetupError";
  }
}
