import assert from "node:assert/strict";
import { CASES } from "../cases/mod.ts";
import { packageOf, parsePackages, readPackages } from "../lib/debian_packages.ts";
import { STREAM_MODULE_PACKAGE } from "../servers/nginx_stream.ts";

Deno.test("parsePackages() reads names, users and commands, skipping comments", () => {
  const list = parsePackages("# a comment\ncurl test,bench curl\n\nlibx bench -  # module\n");
  assert.deepEqual(list, [
    { name: "curl", users: ["test", "bench"], commands: ["curl"] },
    { name: "libx", users: ["bench"], commands: [] },
  ]);
});

Deno.test(".ci/packages.txt names the package of every tool a bench case runs", async () => {
  const names = new Set((await readPackages()).map((p) => p.name));
  for (const benchCase of CASES) {
    for (const tool of benchCase.tools) {
      assert.ok(names.has(await packageOf(tool.command)), `${benchCase.name}: ${tool.command}`);
    }
  }
  assert.ok(names.has(STREAM_MODULE_PACKAGE));
});

Deno.test(".ci/packages.txt marks the peers the tests drive as test packages", async () => {
  const test = new Set(
    (await readPackages()).filter((p) => p.users.includes("test")).map((p) => p.name),
  );
  for (const name of ["curl", "openssl", "python3", "python3-websockets", "websockify"]) {
    assert.ok(test.has(name), name);
  }
});
