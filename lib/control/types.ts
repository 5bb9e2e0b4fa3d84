/** A control endpoint answer: an HTTP status and a JSON body with a `message`. */
export interface ControlReply {
  /** HTTP status code. */
  readonly status: number;
  /** JSON body; `message` says what happened. */
  readonly body: { readonly message: string; readonly [key: string]: unknown };
}

/** What the control endpoint drives; it knows nothing else of the program. */
export interface ControlTarget {
  /** The running config, secrets redacted. */
  now(): ControlReply;
  /** Listeners, generation, open connections, uptime. */
  status(): ControlReply | Promise<ControlReply>;
  /** Re-read, validate and apply the config file. */
  reload(): Promise<ControlReply>;
  /** Validate the config file and tell what applying it would change. */
  adapt(): Promise<ControlReply>;
  /** The Prometheus text exposition of the instance's metrics (every worker's, summed). */
  metrics(): Promise<string>;
  /** Begin stopping: called after the reply has been sent. */
  stop(): void;
  /** Hidden routes under `/test/` for tests; undefined = no such route. */
  testHook?(path: string, params: URLSearchParams): Promise<ControlReply | undefined>;
}
