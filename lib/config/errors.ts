/** One problem found in a config file: where it is and what was expected there. */
export class ConfigError extends Error {
  /** Key path as users read it: `stream.server[1].bind_addr`; empty for file-level problems. */
  readonly path: string;
  /** 1-based line in the file, when known. */
  readonly line: number | undefined;
  /** What a valid value looks like. */
  readonly expected: string;

  /** Creates an error whose message is `path: problem (line N)`. */
  constructor(path: string, problem: string, line?: number, expected = "") {
    const where = line === undefined ? "" : ` (line ${line})`;
    super(path ? `${path}: ${problem}${where}` : `${problem}${where}`);
    this.name = "ConfigError";
    this.path = path;
    this.line = line;
    this.expected = expected;
  }
}

/** Every problem a config file has, reported at once. */
export class ConfigErrors extends Error {
  /** The problems, in the order they were found. */
  readonly errors: readonly ConfigError[];
  /** The file the errors are in, when read from a file. */
  readonly file: string | undefined;

  /** Creates an error whose message has a count line, then one line per problem. */
  constructor(errors: readonly ConfigError[], file?: string) {
    const head = `${file ?? "config"}: ${errors.length} error${errors.length === 1 ? "" : "s"}`;
    super([head, ...errors.map((e) => `  ${e.message}`)].join("\n"));
    this.name = "ConfigErrors";
    this.errors = errors;
    this.file = file;
  }
}
