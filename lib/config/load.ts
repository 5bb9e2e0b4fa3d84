import { readStableText } from "./_read_stable.ts";
import { ConfigError, ConfigErrors } from "./errors.ts";
import { parseToml } from "./toml.ts";
import { validate, type Validated, type ValidateOptions } from "./validate.ts";

/** Parses and validates config text; throws {@link ConfigErrors} on any problem. */
export function loadConfigText(source: string, options: ValidateOptions = {}): Validated {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(source);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigErrors([e], options.file);
    throw e;
  }
  return validate(raw, source, options);
}

/**
 * Reads (again, when it changed during the read), parses and validates a config file; a
 * missing file is a {@link ConfigErrors} too.
 */
export async function loadConfigFile(
  file: string,
  options: Omit<ValidateOptions, "file"> = {},
): Promise<Validated> {
  let source: string;
  try {
    source = await readStableText(file);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new ConfigErrors([new ConfigError("", `cannot read the file: ${why}`)], file);
  }
  return loadConfigText(source, { ...options, file });
}
