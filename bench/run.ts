/**
 * Benchmark runner: `deno task bench [case...]` (no case = all). For each case it installs or
 * reports missing tools, runs the case, prints a markdown table and writes
 * `bench/results/<case>.json`. `BENCH_DURATION` (seconds, default 10) and `BENCH_ROUNDS`
 * (default 2) shorten or lengthen runs.
 *
 * @example
 * ```sh
 * BENCH_DURATION=5 deno task bench tcp
 * ```
 * @module
 */

import { CASES } from "./cases/mod.ts";
import { errorMessage } from "./lib/attempt.ts";
import { machineInfo } from "./lib/machine.ts";
import { ensureTools } from "./lib/peers.ts";
import { stopAllProcesses } from "./lib/process.ts";
import { writeReport } from "./lib/results.ts";
import { type BenchSettings, readSettings } from "./lib/settings.ts";
import { renderTable } from "./lib/table.ts";
import type { BenchCase } from "./lib/types.ts";

/**
 * Runs the named cases (all when `names` is empty).
 * @param names case names from the command line
 * @returns the process exit code: 0, 1 when a case failed as a whole, 2 for bad arguments
 */
export async function main(names: readonly string[]): Promise<number> {
  let settings: BenchSettings;
  try {
    settings = readSettings();
  } catch (error) {
    console.error(errorMessage(error));
    return 2;
  }
  const unknown = names.filter((name) => !CASES.some((c) => c.name === name));
  if (unknown.length > 0) {
    const known = CASES.map((c) => c.name).join(", ");
    console.error(`unknown case ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${known}`);
    return 2;
  }
  const selected = names.length === 0 ? CASES : CASES.filter((c) => names.includes(c.name));
  let code = 0;
  for (const benchCase of selected) {
    try {
      await runCase(benchCase, settings);
    } catch (error) {
      console.error(`case ${benchCase.name} failed: ${errorMessage(error)}`);
      code = 1;
    }
  }
  return code;
}

async function runCase(benchCase: BenchCase, settings: BenchSettings): Promise<void> {
  const log = (line: string) => console.error(`[${benchCase.name}] ${line}`);
  log(`${benchCase.description} (${settings.durationSeconds}s × ${settings.rounds} rounds)`);
  const available = await ensureTools(benchCase.tools, log);
  const machine = await machineInfo(benchCase.tools, available);
  const rows = await benchCase.run({ ...settings, available, log });
  console.log(`\n## ${benchCase.name}\n\n${renderTable(rows)}`);
  const path = await writeReport({
    case: benchCase.name,
    description: benchCase.description,
    machine,
    settings,
    rows,
  });
  log(`wrote ${path}`);
}

/** On Ctrl-C or SIGTERM, stop the servers a case started before exiting (128 + signal). */
function exitOnSignals(): void {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    Deno.addSignalListener(signal, async () => {
      console.error(`${signal}: stopping started servers`);
      await stopAllProcesses();
      Deno.exit(code);
    });
  }
}

if (import.meta.main) {
  exitOnSignals();
  Deno.exit(await main(Deno.args));
}
