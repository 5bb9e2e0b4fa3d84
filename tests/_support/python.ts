/**
 * The one way tests start Python: Debian's interpreter, which has the modules that `.ci/run`
 * installs as Debian packages (python3-websockets). The `python3` first on PATH may be another
 * interpreter (pyenv) without them, and its package registry is out of reach.
 * @module
 */

/** Where Debian's python3 package puts its interpreter. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/** What {@link runPython} collected. */
export interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link runPython}. */
export interface PythonOptions {
  /** Modules the script imports; checked once, with a clear error naming what to install. */
  modules?: readonly string[];
  /** Bytes for the script's standard input. @default none (stdin closed) */
  stdin?: Uint8Array;
  /** Environment additions. @default none */
  env?: Record<string, string>;
  /** Aborts the run. @default none */
  signal?: AbortSignal;
}

/** The Debian package that provides each module tests import beyond the standard library. */
const PACKAGES: Readonly<Record<string, string>> = {
  websockets: "python3-websockets",
  h2: "python3-h2",
};

const checked = new Map<string, Promise<void>>();
const decoder = new TextDecoder();

/**
 * The interpreter for a script that imports `modules`: Debian's, after checking (once per
 * module) that it can import each. Throws an error naming the Debian package to install.
 */
export async function pythonFor(modules: readonly string[] = []): Promise<string> {
  for (const name of modules) {
    let check = checked.get(name);
    if (!check) {
      check = checkModule(name);
      checked.set(name, check);
    }
    await check;
  }
  return DEBIAN_PYTHON;
}

async function checkModule(name: string): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(DEBIAN_PYTHON, {
      args: ["-c", `import ${name}`],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new Error(`${DEBIAN_PYTHON} cannot run (${(e as Error).message}): install python3`);
  }
  if (!out.success) {
    const pkg = PACKAGES[name] ?? `the Debian package for python module ${name}`;
    throw new Error(
      `${DEBIAN_PYTHON} cannot import ${name}: install ${pkg} (.ci/packages.txt lists it)\n` +
        decoder.decode(out.stderr),
    );
  }
}

/**
 * Runs `args` (a script file, or `-c` and source, then its arguments) with Debian's python3
 * and collects its output.
 * @param args the interpreter's arguments
 * @param options modules to check, stdin, environment
 * @returns exit code, stdout and stderr as text
 */
export async function runPython(
  args: readonly string[],
  options: PythonOptions = {},
): Promise<PythonResult> {
  const python = await pythonFor(options.modules);
  const child = new Deno.Command(python, {
    args: [...args],
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
    signal: options.signal,
  }).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
