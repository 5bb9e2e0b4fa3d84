import { parse, TomlError } from "smol-toml";
import { ConfigError } from "./errors.ts";

/** The one place that knows which TOML library is used. */
export function parseToml(source: string): Record<string, unknown> {
  try {
    return parse(source) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const problem = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError("", `invalid TOML: ${problem}`, e.line, "valid TOML");
    }
    throw e;
  }
}
