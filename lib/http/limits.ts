/** Size limits for a message head. */
export interface HeadLimits {
  /** Longest request line, CRLF excluded; longer → 414. @default 8192 */
  readonly maxStartLine: number;
  /** Most header fields; more → 431. @default 100 */
  readonly maxHeaders: number;
  /** Largest head in bytes, start line to the final empty line; larger → 431. @default 65536 */
  readonly maxHeadSize: number;
}

/** The limits in force unless a caller passes others. */
export const DEFAULT_HEAD_LIMITS: HeadLimits = Object.freeze({
  maxStartLine: 8192,
  maxHeaders: 100,
  maxHeadSize: 65536,
});
