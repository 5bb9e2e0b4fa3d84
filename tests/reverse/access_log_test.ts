import assert from "node:assert/strict";
import { FileSink } from "../../lib/log/file_sink.ts";
import { formatDate, parseLogFormat } from "../../lib/reverse/access_log.ts";

Deno.test("parseLogFormat() splits text and variables and refuses unknown ones", () => {
  assert.deepEqual(parseLogFormat("{d(%H:%M)} {client_ip} s={status} {http_x_id}"), [
    { kind: "var", name: "d", arg: "%H:%M" },
    { kind: "text", text: " " },
    { kind: "var", name: "client_ip", arg: "" },
    { kind: "text", text: " s=" },
    { kind: "var", name: "status", arg: "" },
    { kind: "text", text: " " },
    { kind: "var", name: "http_x_id", arg: "x-id" },
  ]);
  assert.equal(parseLogFormat("{colour}"), 'has an unknown variable "{colour}"');
  assert.equal(parseLogFormat("{status(1)}"), '"{status}" takes no argument');
  assert.equal(parseLogFormat("{status"), 'has an unbalanced or malformed "{"');
});

Deno.test("formatDate() expands %Y %m %d %H %M %S %3f and %%", () => {
  const d = new Date(2024, 0, 2, 3, 4, 5, 6);
  assert.equal(formatDate("%Y-%m-%d %H:%M:%S.%3f %%", d), "2024-01-02 03:04:05.006 %");
});

Deno.test("FileSink resolves a relative path, creates parent dirs and writes on flush", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-test-" });
  const cwd = Deno.cwd();
  try {
    Deno.chdir(dir);
    const sink = new FileSink("a/b/c.log");
    assert.equal(sink.path, `${await Deno.realPath(dir)}/a/b/c.log`);
    sink.write("one");
    sink.write("two");
    await sink.flush();
    assert.equal(await Deno.readTextFile(`${dir}/a/b/c.log`), "one\ntwo\n");
    sink.write("x".repeat(70 * 1024)); // over 64 KiB: written without waiting for the timer
    await sink.flush();
    assert.equal((await Deno.stat(`${dir}/a/b/c.log`)).size, 8 + 70 * 1024 + 1);
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
});
