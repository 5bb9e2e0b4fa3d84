import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { ping } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, Instance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

// `deno compile` downloads its runtime (denort) unless DENORT_BIN points at a local copy, and
// these machines cannot reach that download.
const denort = Deno.env.get("DENORT_BIN");
if (!denort) {
  console.log(
    "compile_test: skipped — DENORT_BIN is not set, and `deno compile` would have to download " +
      "the denort runtime, which this machine cannot reach",
  );
}
const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "deno task compile builds a wmproxy binary that runs check, version and --workers 2",
  ignore: !denort,
  async fn() {
    const out = `${ROOT}wmproxy`;
    try {
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["task", "compile"],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(build.code, 0, decoder.decode(build.stderr));
      const version = await new Deno.Command(out, { args: ["version"], stdout: "piped" }).output();
      assert.equal(version.code, 0);
      assert.match(decoder.decode(version.stdout), /^wmproxy \d+\.\d+\.\d+/);
      const check = await new Deno.Command(out, {
        args: ["check", "-c", `${ROOT}config.example.toml`],
        stdout: "piped",
      }).output();
      assert.equal(check.code, 0);
      await runWithWorkers(out);
    } finally {
      await Deno.remove(out).catch(() => {});
    }
  },
});

/**
 * Runs the binary with `--workers 2` (the worker isolates load lib/server/workers/worker_main.ts,
 * which the compile task includes): it forwards a connection through a worker, then stops on
 * `/stop` with exit 0.
 */
async function runWithWorkers(binary: string): Promise<void> {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const config = `${dir.path}/wmproxy.toml`;
  await Deno.writeTextFile(
    config,
    `control = "127.0.0.1:${ctl}"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
`,
  );
  const inst = new Instance(config, ["--workers", "2"], {}, binary);
  try {
    assert.match(await inst.ready(), /, 2 workers/);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await ping(conn, "through a worker of the compiled binary");
    conn.close();
    const status = await control(`http://127.0.0.1:${ctl}`, "status");
    const workers = status.body.workers as { accepted: number }[];
    assert.equal(workers.length, 2);
    assert.equal(workers.reduce((n, w) => n + w.accepted, 0), 1);
    assert.equal((await control(`http://127.0.0.1:${ctl}`, "stop")).status, 200);
    assert.equal((await inst.exited()).code, 0, inst.log());
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
}
