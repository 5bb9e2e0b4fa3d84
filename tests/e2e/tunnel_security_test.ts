import assert from "node:assert/strict";
import { exchange } from "../_support/io.ts";
import { echo, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { clientToml, echoes, serverToml } from "../_support/tunnel_ends.ts";
import { eventually } from "../_support/wait.ts";

interface ClientStatus {
  servers: { address: string; state: string }[];
}

Deno.test({
  name: "tunnel: a wrong password is denied with one server log line and shows as denied in " +
    "the client's /status; garbage on bind_addr closes that connection only",
  async fn() {
    const dir = await tempDir();
    const echoServer = startServer(echo);
    const ports = { bind: freePort(), tcp: freePort() };
    const server = await startInstance(dir.path, serverToml(ports), [], "s.toml");
    const mappings = [{ name: "echo", mode: "tcp" as const, port: echoServer.port }];
    let good: Instance | undefined;
    let bad: Instance | undefined;
    try {
      good = await startInstance(
        dir.path,
        clientToml({ servers: [ports.bind], mappings }),
        [],
        "good.toml",
      );
      await eventually(() => echoes(ports.tcp), 10_000, "the good client's mapping");

      const from = server.lines.length;
      const ctl = freePort();
      bad = await startInstance(
        dir.path,
        clientToml({ servers: [ports.bind], mappings, password: "wrong", control: ctl }),
        [],
        "bad.toml",
      );
      let state = "";
      await eventually(
        async () => {
          const body = (await control(`http://127.0.0.1:${ctl}`, "status")).body;
          state = (body.tunnel as ClientStatus).servers[0].state;
          return state === "denied";
        },
        10_000,
        "the client's /status to show denied",
      );
      await bad.waitFor(/denied this client/);
      const refusals = server.lines.slice(from).filter((l) =>
        /denied|password|credential/i.test(l)
      );
      assert.equal(refusals.length, 1, `one line for the refusal:\n${refusals.join("\n")}`);
      assert.ok(await echoes(ports.tcp), "the good client still serves");

      // Garbage where a yamux session should start: that connection is closed, nothing else.
      const junk = crypto.getRandomValues(new Uint8Array(4096));
      junk[0] = 0x47; // "G": not yamux version 0
      const answer = await exchange(ports.bind, junk);
      assert.ok(answer.length < 64, `a short answer at most (go-away), got ${answer.length} bytes`);
      const plausible = new Uint8Array(4096); // version 0, Data on stream 0: a protocol error
      plausible.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0xf4]);
      await exchange(ports.bind, plausible);
      assert.ok(await echoes(ports.tcp, "after garbage"), "the good client still serves");
      assert.equal(good.lines.filter((l) => /session .* ended/.test(l)).length, 0);
    } finally {
      await bad?.kill();
      await good?.kill();
      await server.kill();
      await echoServer.close();
      await dir.cleanup();
    }
  },
});
