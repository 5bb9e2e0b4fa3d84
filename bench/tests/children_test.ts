import assert from "node:assert/strict";
import { childPids, parseChildren } from "../lib/children.ts";

Deno.test("parseChildren() reads the pids of a /proc children file", () => {
  assert.deepEqual(parseChildren("812 815 \n"), [812, 815]);
  assert.deepEqual(parseChildren(""), []);
});

Deno.test("childPids() lists a spawned child and nothing for a gone process", async () => {
  const child = new Deno.Command("sleep", { args: ["5"], stdout: "null", stderr: "null" }).spawn();
  try {
    assert.ok((await childPids(Deno.pid)).includes(child.pid));
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
  assert.deepEqual(await childPids(child.pid), []);
});
