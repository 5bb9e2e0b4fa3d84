import assert from "node:assert/strict";
import { randomBytes } from "../_support/bytes.ts";
import { readExactly, roundTrip, writeAll } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

function config(c: { ctl: number; port: number; a: number; b: number; w: number; second: number }) {
  return `
control = "127.0.0.1:${c.ctl}"
[[stream.upstream]]
name = "echo"
server = [{ addr = "127.0.0.1:${c.a}", weight = ${c.w} }, { addr = "127.0.0.1:${c.b}" }]

[[stream.server]]
bind_addr = "127.0.0.1:${c.port}"
up_name = "echo"

[[stream.server]]
bind_addr = "127.0.0.1:${c.second}"
proxy_url = "tcp://127.0.0.1:${c.a}"
`;
}

Deno.test("reload loses no connection: 2,000+ echo connections across 20 reloads", async () => {
  const dir = await tempDir();
  const a = startServer();
  const b = startServer();
  const base = { ctl: freePort(), port: freePort(), a: a.port, b: b.port, w: 100 };
  const seconds = [freePort(), freePort()];
  const inst = await startInstance(dir.path, config({ ...base, second: seconds[0] }));
  const url = `http://127.0.0.1:${base.ctl}`;
  const failures: string[] = [];
  let done = 0;
  let reloading = true;
  // Resolved by the workers when `done` reaches `progress.target`.
  const progress = { target: 0, reached: () => {} };
  const reach = (n: number) =>
    new Promise<void>((resolve) => {
      progress.target = n;
      progress.reached = resolve;
      if (done >= n) resolve();
    });
  try {
    // A connection opened before the reloads, used between them and after them.
    const longLived = await Deno.connect({ hostname: "127.0.0.1", port: base.port });
    const ping = async (i: number) => {
      const msg = randomBytes(1000 + i);
      await writeAll(longLived, msg);
      assert.deepEqual(await readExactly(longLived, msg.length), msg);
    };
    await ping(0);

    const worker = async (id: number, sequential: boolean) => {
      let i = 0;
      while (reloading || done < 2000) {
        const payload = randomBytes(sequential ? 64 : 512 + ((id * 7919 + i++) % 16384));
        try {
          const got = await roundTrip(base.port, payload);
          if (got.length !== payload.length || !got.every((v, k) => v === payload[k])) {
            failures.push(
              `worker ${id}: ${got.length} of ${payload.length} bytes came back intact`,
            );
          }
        } catch (e) {
          failures.push(`worker ${id}: ${(e as Error).message}`);
        }
        if (++done >= progress.target) progress.reached();
      }
    };
    const workers = [
      worker(0, true),
      ...Array.from({ length: 24 }, (_, k) => worker(k + 1, false)),
    ];

    for (let r = 0; r < 20; r++) {
      const next = r % 2 === 0
        ? { ...base, w: r % 4 === 0 ? 300 : 100, second: seconds[Math.floor(r / 2) % 2] }
        : { ...base, second: seconds[Math.ceil(r / 2) % 2] };
      if (r % 2 === 0) base.w = next.w;
      await Deno.writeTextFile(inst.configPath, config(next));
      const res = await control(url, "reload");
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await ping(r + 1);
      // Let some traffic through under this generation before the next reload.
      await reach(done + 60);
    }
    reloading = false;
    await Promise.all(workers);
    await ping(99);
    longLived.close();

    assert.deepEqual(failures, []);
    assert.ok(done >= 2000, `only ${done} connections`);
    console.log(`${done} connections, ${failures.length} failures`);
    const status = await control(url, "status");
    assert.equal(status.body.generation, 21);
  } finally {
    reloading = false;
    await inst.kill();
    await a.close();
    await b.close();
    await dir.cleanup();
  }
});
