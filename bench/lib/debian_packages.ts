/**
 * The one list of Debian packages the tests and benchmarks drive (`.ci/packages.txt`), as read
 * by `.ci/run` too.
 * @module
 */

/** One line of `.ci/packages.txt`. */
export interface DebianPackage {
  /** The package name, e.g. `dante-server`. */
  name: string;
  /** Who needs it: `test`, `bench` or both. */
  users: readonly string[];
  /** The commands it provides that we run, e.g. `danted`; none for a module or library. */
  commands: readonly string[];
}

/** Debian's python3: the bench scripts use only its standard library, never pyenv's. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/** Where the list lives. */
export const PACKAGES_FILE = new URL("../../.ci/packages.txt", import.meta.url);

/**
 * Parses the list: one package a line (`name users commands`), `#` comments, `-` for none.
 * @param text the file's text
 * @returns its packages in order
 */
export function parsePackages(text: string): DebianPackage[] {
  const out: DebianPackage[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const [name, users = "", commands = "-"] = line.split(/\s+/);
    out.push({
      name,
      users: users.split(",").filter(Boolean),
      commands: commands === "-" ? [] : commands.split(",").filter(Boolean),
    });
  }
  return out;
}

/**
 * The packages listed in `.ci/packages.txt`.
 * @returns every line of the list
 */
export async function readPackages(): Promise<DebianPackage[]> {
  return parsePackages(await Deno.readTextFile(PACKAGES_FILE));
}

/**
 * The package that provides `command`, per the list.
 * @param command a program name such as `danted`
 * @returns its package, or throws when the list does not name it
 */
export async function packageOf(command: string): Promise<string> {
  const found = (await readPackages()).find((p) => p.commands.includes(command));
  if (!found) throw new Error(`.ci/packages.txt lists no package providing "${command}"`);
  return found.name;
}
