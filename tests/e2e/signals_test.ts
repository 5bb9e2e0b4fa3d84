import assert from "node:assert/strict";
import { encoder } from "../_support/bytes.ts";
import { roundTrip } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

function config(ports: number[], backend: number): string {
  // Top-level keys first: after a [[stream.server]] header they would belong to that table.
  return "disable_control = true\n" + ports.map((p) => `
[[stream.server]]
bind_addr = "127.0.0.1:${p}"
proxy_url = "tcp://127.0.0.1:${backend}"
`).join("");
}

Deno.test("SIGHUP reloads the config file and SIGINT stops with exit 0", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const [a, b] = [freePort(), freePort()];
  const inst = await startInstance(
    dir.path,
    config([a], backend.port),
  );
  try {
    assert.ok(await refuses(b));
    await Deno.writeTextFile(inst.configPath, config([a, b], backend.port));
    const from = inst.lines.length;
    inst.process.kill("SIGHUP");
    await inst.waitFor(/SIGHUP: reloaded/, from);
    assert.equal(new TextDecoder().decode(await roundTrip(b, encoder.encode("new"))), "new");
    assert.equal(new TextDecoder().decode(await roundTrip(a, encoder.encode("old"))), "old");

    // An invalid file on SIGHUP is refused and everything keeps serving.
    await Deno.writeTextFile(inst.configPath, "[[stream.server]]\nbind_addr = 12\n");
    const from2 = inst.lines.length;
    inst.process.kill("SIGHUP");
    await inst.waitFor(/SIGHUP: invalid config; the running config is unchanged/, from2);
    assert.equal(new TextDecoder().decode(await roundTrip(b, encoder.encode("still"))), "still");

    inst.process.kill("SIGINT");
    assert.equal((await inst.exited()).code, 0);
    assert.ok(await refuses(a));
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});
