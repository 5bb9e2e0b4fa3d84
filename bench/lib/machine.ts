/**
 * A description of the machine and tools a result was measured with.
 * @module
 */

import type { Tool } from "./types.ts";

/** Where and with what a case ran. */
export interface MachineInfo {
  /** ISO 8601 time the description was taken. */
  date: string;
  /** `Deno.version`: deno, v8, typescript. */
  deno: typeof Deno.version;
  /** Logical CPUs available (what `nproc` reports). */
  nproc: number;
  /** Kernel release, e.g. `6.1.0-18-amd64`. */
  kernel: string;
  /** CPU model name from /proc/cpuinfo, or `unknown`. */
  cpu: string;
  /** First line each tool prints about its version, keyed by command. */
  tools: Record<string, string>;
}

/**
 * Describes this machine and the versions of `tools`.
 * @param tools tools whose version to record; missing ones are recorded as `not installed`
 * @param available commands that are installed
 * @returns the description
 */
export async function machineInfo(
  tools: readonly Tool[],
  available: ReadonlySet<string>,
): Promise<MachineInfo> {
  const versions = await Promise.all(
    tools.map((tool) => available.has(tool.command) ? toolVersion(tool) : "not installed"),
  );
  return {
    date: new Date().toISOString(),
    deno: Deno.version,
    nproc: navigator.hardwareConcurrency,
    kernel: Deno.osRelease(),
    cpu: await cpuModel(),
    tools: Object.fromEntries(tools.map((tool, i) => [tool.command, versions[i]])),
  };
}

async function toolVersion(tool: Tool): Promise<string> {
  try {
    // Some tools (wrk -v) exit non-zero after printing their version, so the status is ignored.
    const [command, ...args] = tool.versionCommand ?? [tool.command, ...tool.versionArgs];
    const { stdout, stderr } = await new Deno.Command(command, { args, stdin: "null" }).output();
    const text = new TextDecoder().decode(stdout) + "\n" + new TextDecoder().decode(stderr);
    return pickVersionLine(text, tool.versionLine);
  } catch {
    return "unknown";
  }
}

/**
 * The line of a tool's version output that names its version.
 * @param text what the tool printed (stdout, then stderr)
 * @param pattern the line to look for @default the first non-empty line
 * @returns the trimmed line, or `unknown`
 */
export function pickVersionLine(text: string, pattern?: RegExp): string {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.find((line) => pattern === undefined || pattern.test(line)) ?? "unknown";
}

async function cpuModel(): Promise<string> {
  try {
    const text = await Deno.readTextFile("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(text)?.[1].trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}
