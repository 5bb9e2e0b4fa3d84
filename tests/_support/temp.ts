/**
 * Temporary directories for test files.
 * @module
 */

/** A temporary directory and how to remove it. */
export interface TempDir {
  readonly path: string;
  cleanup(): Promise<void>;
}

/** A temporary directory removed by `cleanup()`. */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "wmproxy-test-" });
  return { path, cleanup: () => Deno.remove(path, { recursive: true }).catch(() => {}) };
}
