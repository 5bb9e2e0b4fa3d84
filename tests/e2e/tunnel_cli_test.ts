import assert from "node:assert/strict";
import { makePki } from "../_support/pki.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, runMain, startCommand } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

interface TunnelStatus {
  sessions?: unknown[];
  servers?: { state: string }[];
}

async function tunnelStatus(port: number): Promise<TunnelStatus> {
  return (await control(`http://127.0.0.1:${port}`, "status")).body.tunnel as TunnelStatus;
}

Deno.test({
  name: "wmproxy proxy: -b with --tc/--cert/--key/--map-tcp-bind runs a tunnel server and " +
    "-S with --ts/--ca a client that connects to it, both without a config file",
  async fn() {
    const dir = await tempDir();
    const pki = await makePki(dir.path, [["localhost"]]);
    const leaf = pki.leaves.localhost;
    const [bind, tcp, serverCtl, clientCtl] = [freePort(), freePort(), freePort(), freePort()];
    const auth = ["--user", "cli", "--pass", "cli-secret"];
    let server: Instance | undefined;
    let client: Instance | undefined;
    try {
      const mixed = await runMain(["proxy", "-S", `127.0.0.1:${bind}`, "--tc"]);
      assert.equal(mixed.code, 2);
      assert.match(mixed.stderr, /-S .*tunnel client.*--tc .*tunnel server/);

      server = await startCommand([
        "proxy",
        "-b",
        `127.0.0.1:${bind}`,
        "--tc",
        "--cert",
        leaf.certFile,
        "--key",
        leaf.keyFile,
        "--map-tcp-bind",
        `127.0.0.1:${tcp}`,
        ...auth,
        "--control",
        `127.0.0.1:${serverCtl}`,
      ]);
      client = await startCommand([
        "proxy",
        "--server",
        `127.0.0.1:${bind}`,
        "--ts",
        "--ca",
        pki.caFile,
        "--domain",
        "localhost",
        ...auth,
        "--control",
        `127.0.0.1:${clientCtl}`,
      ]);
      await eventually(
        async () => (await tunnelStatus(clientCtl)).servers?.[0]?.state === "connected",
        10_000,
        "the client's session to be up",
      );
      assert.equal((await tunnelStatus(serverCtl)).sessions?.length, 1);
    } finally {
      await client?.kill();
      await server?.kill();
      await dir.cleanup();
    }
  },
});
