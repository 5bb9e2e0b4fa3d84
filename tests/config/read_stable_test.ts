import assert from "node:assert/strict";
import { type FileAccess, readStableText } from "../../lib/config/_read_stable.ts";

/** The real file system, but the first `writes` reads each find the file being rewritten. */
function writerDuringReads(writes: string[]): FileAccess & { reads: number } {
  const fs = {
    reads: 0,
    stat: (p: string) => Deno.stat(p),
    async readFile(p: string) {
      fs.reads++;
      const bytes = await Deno.readFile(p);
      const next = writes.shift();
      if (next !== undefined) await Deno.writeTextFile(p, next);
      return bytes;
    },
  };
  return fs;
}

Deno.test("readStableText() reads again when the file changes during the read", async () => {
  const file = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(file, "");
    const fs = writerDuringReads(['control = "127.0.0.1:1"\n[[stream.server]]\n']);
    assert.equal(await readStableText(file, fs), 'control = "127.0.0.1:1"\n[[stream.server]]\n');
    assert.equal(fs.reads, 2);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("readStableText() gives up with a clear error on a file that never settles", async () => {
  const file = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(file, "a");
    const fs = writerDuringReads(["ab", "abc", "abcd", "abcde", "abcdef"]);
    await assert.rejects(readStableText(file, fs), /kept changing while it was read \(5 tries\)/);
  } finally {
    await Deno.remove(file);
  }
});
