/**
 * The one error type of lib/pki.
 * @module
 */

/** What went wrong with a certificate or key file. */
export type PkiErrorKind = "unreadable" | "invalid" | "mismatch" | "unwritable";

/**
 * A certificate or key that cannot be read, parsed or written, or a key that does not belong
 * to its certificate. `path` names the file at fault.
 */
export class PkiError extends Error {
  /** Always "PkiError". */
  override name = "PkiError";
  /** What went wrong. */
  readonly kind: PkiErrorKind;
  /** The file (or directory) at fault. */
  readonly path: string;

  /** An error of `kind` about `path`. */
  constructor(kind: PkiErrorKind, path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.path = path;
  }
}
