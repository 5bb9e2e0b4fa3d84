import assert from "node:assert/strict";
import { roundTrip } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, runMain, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

function forward(ctl: number, listens: number[], backend: number): string {
  return `control = "127.0.0.1:${ctl}"\n` + listens.map((p) =>
    `[[stream.server]]
bind_addr = "127.0.0.1:${p}"
proxy_url = "tcp://127.0.0.1:${backend}"
`
  ).join("");
}

/** Another program holding `port` with SO_REUSEPORT, as a second wmproxy or nginx `reuseport` would. */
function otherProgram(port: number): Deno.Listener {
  return Deno.listen({ hostname: "127.0.0.1", port, reusePort: true });
}

Deno.test("an address another process holds with reusePort is refused at start and on reload, unless --share-ports", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const taken = freePort();
  const other = otherProgram(taken);
  try {
    const ctl = freePort();
    const file = `${dir.path}/share.toml`;
    await Deno.writeTextFile(file, forward(ctl, [taken], backend.port));
    const start = await runMain(["run", "-c", file]);
    assert.equal(start.code, 1, start.stderr);
    assert.match(
      start.stderr,
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}: address already in use`),
    );

    // Reload: adding the taken address rolls back, the running listener keeps serving.
    const mine = freePort();
    const inst = await startInstance(dir.path, forward(ctl, [mine], backend.port));
    try {
      await Deno.writeTextFile(inst.configPath, forward(ctl, [mine, taken], backend.port));
      const r = await control(`http://127.0.0.1:${ctl}`, "reload");
      assert.equal(r.status, 500, JSON.stringify(r.body));
      assert.match(String(r.body.message), /rolled back: .*address already in use/);
      const back = await roundTrip(mine, new TextEncoder().encode("still"));
      assert.equal(new TextDecoder().decode(back), "still");

      // Our own addresses stay ours: a reload that keeps `mine` does not trip over itself.
      await Deno.writeTextFile(inst.configPath, forward(ctl, [mine], backend.port) + "# touched\n");
      assert.equal((await control(`http://127.0.0.1:${ctl}`, "reload")).status, 200);
    } finally {
      await inst.kill();
    }

    // Sharing on purpose still works.
    const shared = await startInstance(dir.path, forward(freePort(), [taken], backend.port), [
      "--share-ports",
    ], "shared.toml");
    await shared.kill();
  } finally {
    other.close();
    await backend.close();
    await dir.cleanup();
  }
});
