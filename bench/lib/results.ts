/**
 * Writing a case's results to `bench/results/<case>.json`.
 * @module
 */

import type { MachineInfo } from "./machine.ts";
import type { BenchSettings } from "./settings.ts";
import type { Row } from "./types.ts";

/** The content of one results file. */
export interface CaseReport {
  /** Case name. */
  case: string;
  /** What the case compares. */
  description: string;
  /** Where it ran. */
  machine: MachineInfo;
  /** Duration and rounds used. */
  settings: BenchSettings;
  /** The rows, as printed. */
  rows: Row[];
}

/**
 * Writes `report` atomically (temp file, then rename) into `bench/results/`.
 * @param report the case's report
 * @returns the path written
 */
export async function writeReport(report: CaseReport): Promise<string> {
  const dir = new URL("../results/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const path = new URL(`${report.case}.json`, dir).pathname;
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(report, null, 2) + "\n");
  await Deno.rename(tmp, path);
  return path;
}
