/**
 * The `wmproxy` command line: parses arguments and hands over to lib/cli.
 * @module
 */
import { parseCli } from "./lib/cli/args.ts";
import { runCli } from "./lib/cli/commands.ts";
import { UsageError } from "./lib/cli/errors.ts";

/** Runs the command line `argv`; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await runCli(parseCli(argv));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`wmproxy: ${e.message}; see 'wmproxy --help'`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
