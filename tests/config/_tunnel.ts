/**
 * Helpers of the tunnel config tests: load a config text, or collect its errors.
 * @module
 */
import assert from "node:assert/strict";
import { ConfigErrors } from "../../lib/config/errors.ts";
import { loadConfigText } from "../../lib/config/load.ts";
import type { Validated } from "../../lib/config/validate.ts";

/** wmproxy's reference files. */
export const REFERENCE = new URL("../../../shared/reference/wmproxy/", import.meta.url);

/** The lines joined as a file. */
export function toml(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

/** Loads a config text that must be valid. */
export function load(...lines: string[]): Validated {
  return loadConfigText(toml(...lines));
}

/** The messages of the errors a config text has (it must have some). */
export function errors(...lines: string[]): string[] {
  try {
    loadConfigText(toml(...lines));
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    return e.errors.map((x) => x.message);
  }
  assert.fail("the config was accepted");
}

/** The warnings of a valid config text, without the tunnel's "not served in this version" line. */
export function warnings(...lines: string[]): string[] {
  return load(...lines).warnings.filter((w) => !w.includes("not served in this version"));
}
