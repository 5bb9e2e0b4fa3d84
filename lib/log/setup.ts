import { configure, getTextFormatter, type LogRecord, reset, type Sink } from "@logtape/logtape";
import { getFileSink } from "@logtape/file";
import type { LogLevel } from "../config/schema.ts";

/** How logs are written. */
export interface LogSetupOptions {
  /** Lowest level written. @default "info" */
  level?: LogLevel;
  /** Also append log lines to this file (buffered). */
  file?: string | null;
  /** Write nothing to stderr (wmproxy's `disable_stdout`). @default false */
  quiet?: boolean;
}

const formatter = getTextFormatter({
  timestamp: "rfc3339",
  category: ".",
  value: (v, inspect) => (typeof v === "string" ? v : inspect(v)),
});
const encoder = new TextEncoder();
let fileSink: (Sink & Disposable) | undefined;

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
  if (!options.quiet) sinks.console = stderrSink;
  const previous = fileSink;
  fileSink = undefined;
  if (options.file) {
    fileSink = getFileSink(options.file, { formatter, bufferSize: 8192, flushInterval: 1000 });
    sinks.file = fileSink;
  }
  await reset();
  previous?.[Symbol.dispose]();
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
  await reset();
  fileSink?.[Symbol.dispose]();
  fileSink = undefined;
}

function toLogtape(level: LogLevel): "trace" | "debug" | "info" | "warning" | "error" | "fatal" {
  return level === "warn" ? "warning" : level;
}
