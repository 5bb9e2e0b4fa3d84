/**
 * The child processes of a running process, from /proc/PID/task/TID/children.
 * @module
 */

/**
 * Direct children of `pid` (of any of its threads).
 * @param pid a process
 * @returns their pids; empty when the process is gone
 */
export async function childPids(pid: number): Promise<number[]> {
  const pids: number[] = [];
  try {
    for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
      const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`);
      pids.push(...parseChildren(text));
    }
  } catch {
    // The process or a thread is gone; what was listed is what there is.
  }
  return pids;
}

/**
 * Every descendant of `pid`, parents before their children.
 * @param pid a process
 * @returns their pids
 */
export async function descendantPids(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const child of await childPids(pid)) found.push(child, ...await descendantPids(child));
  return found;
}

/**
 * Reads the space-separated pids of a /proc/PID/task/TID/children file.
 * @param text the file's text, e.g. `"812 815 "`
 * @returns the pids
 */
export function parseChildren(text: string): number[] {
  return text.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number);
}
