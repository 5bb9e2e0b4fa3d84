/**
 * Making sure the peer programs a case compares against are installed.
 * @module
 */

import type { Tool } from "./types.ts";

/**
 * Checks each tool with `command -v`; when some are missing and we run as root, installs their
 * Debian packages with `apt-get install -y` (after `apt-get update` if the first try fails).
 * Otherwise prints what is missing so the case can skip those sides.
 * @param tools the tools a case needs
 * @param log progress output
 * @returns commands that are available afterwards
 */
export async function ensureTools(
  tools: readonly Tool[],
  log: (line: string) => void,
): Promise<Set<string>> {
  const missing = await missingTools(tools);
  if (missing.length === 0) return new Set(tools.map((tool) => tool.command));
  const packages = [...new Set(missing.map((tool) => tool.debianPackage))];
  await installDebianPackages(packages, log);
  const stillMissing = new Set((await missingTools(tools)).map((tool) => tool.command));
  if (stillMissing.size > 0) {
    const names = [...stillMissing].join(", ");
    log(`missing ${names}; install ${packages.join(" ")} (as root) — skipping what needs them`);
  }
  return new Set(tools.map((tool) => tool.command).filter((command) => !stillMissing.has(command)));
}

/**
 * Installs Debian packages with `apt-get install -y` (after `apt-get update` if the first try
 * fails), when running as root on a system with apt-get; otherwise does nothing. For what a
 * command check cannot see, such as an nginx module.
 * @param packages Debian package names
 * @param log progress output
 * @returns true when apt-get ran and succeeded
 */
export async function installDebianPackages(
  packages: readonly string[],
  log: (line: string) => void,
): Promise<boolean> {
  if (packages.length === 0 || Deno.uid() !== 0 || !await hasCommand("apt-get")) return false;
  log(`installing ${packages.join(" ")} with apt-get`);
  if (await aptGet(["install", "-y", "--no-install-recommends", ...packages])) return true;
  await aptGet(["update"]);
  return await aptGet(["install", "-y", "--no-install-recommends", ...packages]);
}

/**
 * Whether `command` is on the PATH, per the shell's `command -v`.
 * @param command a program name
 * @returns true when it can be run
 */
export async function hasCommand(command: string): Promise<boolean> {
  const { success } = await new Deno.Command("sh", {
    args: ["-c", 'command -v "$1" >/dev/null', "sh", command],
    stdout: "null",
    stderr: "null",
  }).output();
  return success;
}

async function missingTools(tools: readonly Tool[]): Promise<Tool[]> {
  const present = await Promise.all(tools.map((tool) => hasCommand(tool.command)));
  return tools.filter((_, i) => !present[i]);
}

async function aptGet(args: string[]): Promise<boolean> {
  const { success } = await new Deno.Command("apt-get", {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "null",
    stderr: "inherit",
  }).output();
  return success;
}
