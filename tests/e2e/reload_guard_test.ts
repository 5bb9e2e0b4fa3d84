import assert from "node:assert/strict";
import { roundTrip } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const text = new TextEncoder();

function forward(listen: number, backend: number): string {
  return `[[stream.server]]
bind_addr = "127.0.0.1:${listen}"
proxy_url = "tcp://127.0.0.1:${backend}"
`;
}

async function echoes(port: number): Promise<boolean> {
  const back = await roundTrip(port, text.encode("ping"));
  return new TextDecoder().decode(back) === "ping";
}

Deno.test("reload: an empty file is refused and the old config keeps serving; control stays unless the file moves it", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const listen = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  const inst = await startInstance(
    dir.path,
    `control = "127.0.0.1:${ctl}"\n${forward(listen, backend.port)}`,
  );
  try {
    // An editor or cp caught mid-write: nothing in the file yet.
    for (const empty of ["", "# just a comment\n", `control = "127.0.0.1:${ctl}"\n`]) {
      await Deno.writeTextFile(inst.configPath, empty);
      const r = await control(base, "reload");
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(String((r.body.errors as string[])[0]), /has no listeners .*allow_no_listeners/);
      assert.ok(await echoes(listen), "the old listener still serves");
    }

    // A file without `control`: the endpoint stays where it runs, it does not move to 8837.
    const listen2 = freePort();
    await Deno.writeTextFile(inst.configPath, forward(listen2, backend.port));
    const moved = await control(base, "reload");
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.ok(await echoes(listen2));
    const now = await control(base, "now");
    assert.equal((now.body.config as { control: string }).control, `127.0.0.1:${ctl}`);

    // Saying so explicitly empties it.
    await Deno.writeTextFile(inst.configPath, "allow_no_listeners = true\n");
    const emptied = await control(base, "reload");
    assert.equal(emptied.status, 200, JSON.stringify(emptied.body));
    assert.ok(await refuses(listen2));
    assert.equal((await control(base, "status")).status, 200);
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});
