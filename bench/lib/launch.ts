/**
 * Starting the processes of a case one by one, recording a failure instead of throwing it, so
 * one side that cannot start leaves the others running.
 * @module
 */

import { type Attempt, attempt } from "./attempt.ts";
import type { ManagedProcess } from "./process.ts";
import type { CaseOptions } from "./types.ts";

/** What a launch needs: a name, a tool or earlier process it depends on, and how to start. */
export interface LaunchSpec {
  /** Short name, also the name of the process's subdirectory. */
  name: string;
  /** An installed command, or a process that must be up, for this one to make sense. */
  needs?: readonly (string | Attempt<unknown>)[];
  /** Starts the process in its own subdirectory. */
  start: (subdir: string) => Promise<ManagedProcess>;
}

/** Starts processes and remembers the ones that run. */
export interface Launcher {
  /**
   * Starts one process in `<dir>/<name>`, unless a need is missing.
   * @param spec name, needs, start function
   * @returns the process, or why there is none
   */
  launch(spec: LaunchSpec): Promise<Attempt<ManagedProcess>>;
  /** Processes that started, in start order; stop them in reverse. */
  started: ManagedProcess[];
}

/**
 * A launcher that starts processes in subdirectories of `dir` and logs failures.
 * @param dir a private temp directory
 * @param options the case options (available tools, log)
 * @returns the launcher
 */
export function createLauncher(
  dir: string,
  options: Pick<CaseOptions, "available" | "log">,
): Launcher {
  const started: ManagedProcess[] = [];
  async function launch(spec: LaunchSpec): Promise<Attempt<ManagedProcess>> {
    for (const need of spec.needs ?? []) {
      if (typeof need === "string") {
        if (!options.available.has(need)) return { ok: false, error: `${need} is not installed` };
      } else if (!need.ok) {
        return { ok: false, error: need.error };
      }
    }
    options.log(`starting ${spec.name}`);
    const subdir = `${dir}/${spec.name}`;
    await Deno.mkdir(subdir);
    const result = await attempt(() => spec.start(subdir));
    if (result.ok) started.push(result.value);
    else options.log(`${spec.name} failed: ${result.error}`);
    return result;
  }
  return { launch, started };
}
