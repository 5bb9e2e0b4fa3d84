/** What {@link readStableText} reads a file with; the real file system unless a test says. */
export interface FileAccess {
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<{ size: number; mtime: Date | null }>;
}

const REAL: FileAccess = { readFile: Deno.readFile, stat: Deno.stat };
const TRIES = 5;

/** The file changed on every attempt to read it whole. */
export class UnstableFileError extends Error {
  constructor(tries: number) {
    super(`the file kept changing while it was read (${tries} tries); try again once it is saved`);
    this.name = "UnstableFileError";
  }
}

/**
 * Reads a text file that an editor or `cp` may be writing right now: the size and mtime are
 * taken before and after the read, and a read during which either changed (or that got
 * another number of bytes than the size says) is done again, up to five times.
 * @param path the file
 * @param fs how to read it (tests pass a file system that changes the file mid-read)
 * @returns the file's text
 */
export async function readStableText(path: string, fs: FileAccess = REAL): Promise<string> {
  for (let i = 0; i < TRIES; i++) {
    const before = await fs.stat(path);
    const bytes = await fs.readFile(path);
    const after = await fs.stat(path);
    if (
      before.size === after.size && bytes.length === after.size &&
      before.mtime?.getTime() === after.mtime?.getTime()
    ) return new TextDecoder().decode(bytes);
  }
  throw new UnstableFileError(TRIES);
}
