import assert from "node:assert/strict";
import { freePort } from "../_support/ports.ts";
import { Instance, runMain } from "../_support/process.ts";

const EXAMPLE = new URL("../../config.example.toml", import.meta.url).pathname;

Deno.test("config.example.toml is valid, warns about nothing and starts as deno task start runs it", async () => {
  const check = await runMain(["check", "-c", EXAMPLE]);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(check.stderr.includes("warning"), false, check.stderr);

  // Its listeners use fixed loopback ports; only the control address is moved out of the way.
  const inst = new Instance(EXAMPLE, ["--control", `127.0.0.1:${freePort()}`]);
  try {
    const ready = await inst.ready();
    const listeners = Number(/ready: (\d+) listeners/.exec(ready)![1]);
    assert.equal(listeners, check.stdout.match(/^ {2}(proxy|http|stream)/gm)!.length);
  } finally {
    await inst.kill();
  }
});
