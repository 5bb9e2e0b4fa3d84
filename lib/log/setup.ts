import { configure, getTextFormatter, type LogRecord, reset, type Sink } from "@logtape/logtape";
import { getFileSink } from "@logtape/file";
import { type LogLevel, setActiveLevel } from "./level.ts";

/** The log file cannot be created or opened. */
export class LogFileError extends Error {
  /** The path of the log file. */
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super(`log_file: cannot open ${JSON.stringify(file)}: ${(cause as Error).message}`, { cause });
    this.name = "LogFileError";
    this.file = file;
  }
}

/** How logs are written. */
export interface LogSetupOptions {
  /** Lowest level written. @default "info" */
  level?: LogLevel;
  /** Also append log lines to this file (buffered). */
  file?: string | null;
  /** Write nothing to stderr (wmproxy's `disable_stdout`). @default false */
  quiet?: boolean;
  /**
   * A tag written before each line's category, e.g. `w1` in worker 1:
   * `... [DBG] [w1] wmproxy.stream: conn 3 ...`, so that lines of two workers (whose connection
   * ids repeat) can be told apart. @default none
   */
  tag?: string;
}

/** The line format, with `tag` (see {@link LogSetupOptions.tag}) before the category. */
function textFormatter(tag?: string): (record: LogRecord) => string {
  return getTextFormatter({
    timestamp: "rfc3339",
    category: tag ? (c) => `[${tag}] ${c.join(".")}` : ".",
    value: (v, inspect) => (typeof v === "string" ? v : inspect(v)),
  });
}

let formatter = textFormatter();
const encoder = new TextEncoder();

/** A sink that writes one formatted line per record to stderr, synchronously. */
function stderrSink(record: LogRecord): void {
  try {
    Deno.stderr.writeSync(encoder.encode(formatter(record)));
  } catch {
    // stderr closed: nothing useful left to do with the line
  }
}

/** (Re)configures logging: console sink on stderr, optional file sink, level filter. */
export async function setupLogging(options: LogSetupOptions = {}): Promise<void> {
  const sinks: Record<string, Sink> = {};
  formatter = textFormatter(options.tag);
  if (!options.quiet) sinks.console = stderrSink;
  if (options.file) {
    try {
      const dir = options.file.replace(/[/\\][^/\\]*$/, "");
      if (dir !== options.file && dir !== "") await Deno.mkdir(dir, { recursive: true });
      sinks.file = getFileSink(options.file, { formatter, bufferSize: 8192, flushInterval: 1000 });
    } catch (e) {
      throw new LogFileError(options.file, e);
    }
  }
  // reset() flushes and disposes the sinks of the previous configuration, file sink included.
  await reset();
  setActiveLevel(options.level ?? "info");
  await configure({
    sinks,
    loggers: [
      {
        category: ["wmproxy"],
        lowestLevel: toLogtape(options.level ?? "info"),
        sinks: Object.keys(sinks),
      },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: Object.keys(sinks) },
    ],
  });
}

/** Flushes and closes file sinks; call before exit. */
export async function closeLogging(): Promise<void> {
  setActiveLevel(null);
  await reset();
}

function toLogtape(level: LogLevel): "trace" | "debug" | "info" | "warning" | "error" | "fatal" {
  return level === "warn" ? "warning" : level;
}
