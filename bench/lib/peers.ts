/**
 * Making sure the peer programs a case compares against are installed.
 * @module
 */

import { packageOf } from "./debian_packages.ts";
import type { Tool } from "./types.ts";

/**
 * Checks the Debian package of each tool (`command -v` where there is no dpkg); when some are missing and we run as root, installs their
 * Debian packages (named in `.ci/packages.txt`) with `apt-get install -y` (after `apt-get
 * update` if the first try fails).
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
  const packages = [...new Set(await Promise.all(missing.map((tool) => packageOf(tool.command))))];
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
  // Per package where dpkg is there: a command of the same name from elsewhere (pyenv's
  // python3) is not the Debian program the case was written against.
  const dpkg = await hasCommand("dpkg-query");
  const present = await Promise.all(
    tools.map(async (tool) =>
      dpkg ? await packageInstalled(await packageOf(tool.command)) : await hasCommand(tool.command)
    ),
  );
  return tools.filter((_, i) => !present[i]);
}

async function packageInstalled(name: string): Promise<boolean> {
  const { stdout } = await new Deno.Command("dpkg-query", {
    args: ["-W", "-f", "${Status}", name],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).includes("install ok installed");
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
