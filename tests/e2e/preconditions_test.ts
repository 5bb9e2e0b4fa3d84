import assert from "node:assert/strict";
import { curlResponse } from "../_support/curl.ts";
import { freePort } from "../_support/ports.ts";
import { type Instance, startCommand, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

/** If-Match and If-Unmodified-Since, as nginx answers them, on one served file. */
async function assertPreconditions(url: string): Promise<void> {
  const plain = await curlResponse(url);
  assert.equal(plain.status, 200);
  const past = "Mon, 01 Jan 2001 00:00:00 GMT";
  const future = new Date(Date.now() + 86_400_000).toUTCString();
  const cases: [string[], number][] = [
    [["-H", 'If-Match: "nope"'], 412],
    [["-H", `If-Match: ${plain.headers.get("etag")}`], 412], // weak tags never match If-Match
    [["-H", "If-Match: *"], 200],
    [["-H", `If-Unmodified-Since: ${past}`], 412],
    [["-H", `If-Unmodified-Since: ${future}`], 200],
    [["-H", "If-Unmodified-Since: not a date"], 200],
    [["-H", "If-Match: *", "-H", `If-Unmodified-Since: ${past}`], 200], // If-Match wins
    [["-I", "-H", 'If-Match: "nope"'], 412],
  ];
  for (const [args, status] of cases) {
    const r = await curlResponse(...args, url);
    assert.equal(r.status, status, `${args.join(" ")} → ${r.status}`);
    if (status === 412 && !args.includes("-I")) assert.match(r.body, /412 Precondition Failed/);
  }
}

Deno.test("static files answer 412 to a failed If-Match or If-Unmodified-Since: the file-server verb and a file_server location", async () => {
  const dir = await tempDir();
  const instances: Instance[] = [];
  try {
    await Deno.writeTextFile(`${dir.path}/a.txt`, "0123456789");
    const verbPort = freePort();
    instances.push(
      await startCommand([
        "file-server",
        "-r",
        dir.path,
        "-l",
        `127.0.0.1:${verbPort}`,
        "--disable-control",
      ]),
    );
    await assertPreconditions(`http://127.0.0.1:${verbPort}/a.txt`);
    // The same file a second time: handle()'s remembered answer must check the validators too.
    await assertPreconditions(`http://127.0.0.1:${verbPort}/a.txt`);

    const locPort = freePort();
    instances.push(
      await startInstance(
        dir.path,
        `[[http.server]]
bind_addr = "127.0.0.1:${locPort}"
root = "${dir.path}"
[[http.server.location]]
rule = "/"
file_server = {}
`,
      ),
    );
    await assertPreconditions(`http://127.0.0.1:${locPort}/a.txt`);
  } finally {
    for (const inst of instances) await inst.kill();
    await dir.cleanup();
  }
});
