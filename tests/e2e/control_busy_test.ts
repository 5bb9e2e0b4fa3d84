import assert from "node:assert/strict";
import { roundTrip } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { runMain, startCommand } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const DEFAULT_CONTROL = "127.0.0.1:8837";

/**
 * Makes sure the default control address is taken for the duration of `fn`: by a listener of
 * ours, or already by someone else (then it is just as busy).
 */
async function withDefaultControlBusy(fn: () => Promise<void>): Promise<void> {
  let hold: Deno.Listener | undefined;
  try {
    hold = Deno.listen({ hostname: "127.0.0.1", port: 8837 });
  } catch (e) {
    if (!(e instanceof Deno.errors.AddrInUse)) throw e;
  }
  try {
    await fn();
  } finally {
    hold?.close();
  }
}

Deno.test("two config-less ws-proxy bridges run side by side when the default control is busy", async () => {
  {
    await withDefaultControlBusy(async () => {
      const ports = [freePort(), freePort()];
      const bridges = [];
      try {
        for (const port of ports) {
          bridges.push(
            await startCommand([
              "ws-proxy",
              "-f",
              `127.0.0.1:${port}`,
              "-t",
              `ws://127.0.0.1:${freePort()}`,
              "--mode",
              "tcp2ws",
            ]),
          );
        }
        for (const bridge of bridges) {
          const warnings = bridge.lines.filter((l) => /already in use/.test(l));
          assert.equal(warnings.length, 1, bridge.log());
          assert.match(
            warnings[0],
            /control 127\.0\.0\.1:8837 is already in use \(another wmproxy\?\); this instance runs without a control endpoint/,
          );
          assert.match(bridge.log(), /ready: 1 listeners, control endpoint disabled/);
        }
      } finally {
        for (const bridge of bridges) await bridge.kill();
      }
    });
  }
});

Deno.test("proxy beside file-server: both config-less verbs start with the default control busy", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir.path}/a.txt`, "a\n");
    await withDefaultControlBusy(async () => {
      const files = await startCommand([
        "file-server",
        "-r",
        dir.path,
        "-l",
        `127.0.0.1:${freePort()}`,
      ]);
      try {
        const proxyPort = freePort();
        const proxy = await startCommand(["proxy", "-b", `127.0.0.1:${proxyPort}`]);
        try {
          for (const inst of [files, proxy]) {
            assert.match(inst.log(), /control 127\.0\.0\.1:8837 is already in use/);
          }
        } finally {
          await proxy.kill();
        }
      } finally {
        await files.kill();
      }
    });
  } finally {
    await dir.cleanup();
  }
});

Deno.test("a busy control address is an error naming the way out: run -c FILE and an explicit --control", async () => {
  const dir = await tempDir();
  const backend = startServer();
  try {
    await withDefaultControlBusy(async () => {
      const listen = freePort();
      const config = `[[stream.server]]
bind_addr = "127.0.0.1:${listen}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
`;
      await Deno.writeTextFile(`${dir.path}/w.toml`, config);
      const expected =
        /control 127\.0\.0\.1:8837 is already in use \(another wmproxy\?\); use --control ADDR or --disable-control/;
      const fromFile = await runMain(["run", "-c", `${dir.path}/w.toml`]);
      assert.equal(fromFile.code, 1, fromFile.stderr);
      assert.match(fromFile.stderr, expected);
      assert.ok(!/^\s+at /m.test(fromFile.stderr), fromFile.stderr);

      const explicit = await runMain([
        "ws-proxy",
        "-f",
        `127.0.0.1:${freePort()}`,
        "-t",
        "ws://127.0.0.1:9",
        "--mode",
        "tcp2ws",
        "--control",
        DEFAULT_CONTROL,
      ]);
      assert.equal(explicit.code, 1, explicit.stderr);
      assert.match(explicit.stderr, expected);

      // The way out works: --disable-control runs the same file.
      const inst = await startCommand(["run", "-c", `${dir.path}/w.toml`, "--disable-control"]);
      try {
        assert.equal(
          new TextDecoder().decode(await roundTrip(listen, new TextEncoder().encode("hi"))),
          "hi",
        );
      } finally {
        await inst.kill();
      }
    });
  } finally {
    await backend.close();
    await dir.cleanup();
  }
});
