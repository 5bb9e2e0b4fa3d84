import assert from "node:assert/strict";
import { encoder } from "../_support/bytes.ts";
import { roundTrip } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

Deno.test("log_file gets the same lines as stderr, one per connection at debug", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const port = freePort();
  const dead = freePort();
  const deadPort = freePort();
  const ctl = freePort();
  const logFile = `${dir.path}/wmproxy.log`;
  const inst = await startInstance(
    dir.path,
    `
control = "127.0.0.1:${ctl}"
log_file = "${logFile}"
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
[[stream.server]]
bind_addr = "127.0.0.1:${deadPort}"
proxy_url = "tcp://127.0.0.1:${dead}"
`,
    ["-v"],
  );
  try {
    assert.equal(new TextDecoder().decode(await roundTrip(port, encoder.encode("hi"))), "hi");
    await roundTrip(deadPort, new Uint8Array(0));
    await inst.waitFor(/\[DBG\] wmproxy\.stream: conn \d+ .* closed \(eof\): 2 bytes up, 2 down/);
    await inst.waitFor(/\[WRN\] wmproxy\.stream: conn \d+ .*failed: refused; no server left/);
    const res = await control(`http://127.0.0.1:${ctl}`, "stop");
    assert.equal(res.status, 200);
    assert.equal((await inst.exited()).code, 0);
    const text = await Deno.readTextFile(logFile);
    assert.match(text, /\[INF\] wmproxy\.server: ready: 2 listeners/);
    assert.match(text, /\[DBG\] wmproxy\.stream: conn \d+ 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+/);
    assert.match(text, /\[WRN\] wmproxy\.stream: .*refused; no server left/);
    assert.match(text, /\[INF\] wmproxy\.server: stopped/);
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("default level info writes no per-connection lines", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const port = freePort();
  const inst = await startInstance(
    dir.path,
    `
disable_control = true
[[stream.server]]
bind_addr = "127.0.0.1:${port}"
proxy_url = "tcp://127.0.0.1:${backend.port}"
`,
  );
  try {
    await roundTrip(port, encoder.encode("quiet"));
    inst.process.kill("SIGTERM");
    assert.equal((await inst.exited()).code, 0);
    assert.ok(inst.lines.some((l) => /stopped/.test(l)), inst.log());
    assert.ok(!inst.lines.some((l) => /\[DBG\]/.test(l)), inst.log());
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("run warns at start exactly when net.ipv4.tcp_migrate_req reads 0", async () => {
  const dir = await tempDir();
  let setting: string | undefined;
  try {
    setting = (await Deno.readTextFile("/proc/sys/net/ipv4/tcp_migrate_req")).trim();
  } catch {
    setting = undefined; // not Linux, or a kernel without the setting: no warning expected
  }
  const inst = await startInstance(dir.path, "disable_control = true\n");
  try {
    const warned = inst.lines.some((l) => /\[WRN\].*net\.ipv4\.tcp_migrate_req is 0/.test(l));
    assert.equal(warned, setting === "0", `tcp_migrate_req=${setting}\n${inst.log()}`);
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});
