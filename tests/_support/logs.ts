/**
 * The log records wmproxy writes while a test runs, collected in memory.
 * @module
 */
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { setActiveLevel } from "../../lib/log/level.ts";

/** Log records of the `wmproxy` category, collected while a test runs. */
export interface LogCapture {
  readonly records: LogRecord[];
  /** Records at warning level or above about connection `id`. */
  problems(id: number): LogRecord[];
  stop(): Promise<void>;
}

/** Sends every `wmproxy` log record (debug and up) to an array. */
export async function captureLogs(): Promise<LogCapture> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (r: LogRecord) => records.push(r) },
    loggers: [
      { category: ["wmproxy"], lowestLevel: "debug", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["memory"] },
    ],
  });
  setActiveLevel("debug");
  return {
    records,
    problems: (id) =>
      records.filter((r) =>
        r.properties.id === id && (r.level === "warning" || r.level === "error" ||
          r.level === "fatal")
      ),
    stop: () => {
      setActiveLevel(null);
      return reset();
    },
  };
}

/** The text of a log record's message. */
export function messageOf(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : String(part)).join("");
}
