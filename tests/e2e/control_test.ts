import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { ping, readExactly, roundTrip, writeAll } from "../_support/io.ts";
import { echo, startServer } from "../_support/origins.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { control, Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const TOKEN = "tok-9f2c41d7-do-not-leak";

/** Writes `tag`, then echoes every byte: tells which backend a connection reached and stays usable. */
function taggedEcho(tag: string): (conn: Deno.TcpConn) => Promise<void> {
  return async (conn) => {
    await writeAll(conn, encoder.encode(tag));
    await echo(conn);
  };
}

/** Asserts that an echo round trip through `port` returns the payload intact. */
async function assertEchoes(port: number, text: string): Promise<void> {
  assert.equal(decoder.decode(await roundTrip(port, encoder.encode(text))), text);
}

/** Polls `/status` until `check` accepts it (the proxy updates its counters asynchronously). */
async function statusUntil(
  base: string,
  check: (body: Record<string, unknown>) => boolean,
  timeoutMs = 5_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const { body } = await control(base, "status");
    if (check(body)) return body;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One upstream `up` over `backends` (with weights) and one listener per port. */
function streamConfig(c: {
  ctl: number;
  backends: [number, number?][];
  ports: number[];
  extra?: string;
}): string {
  const servers = c.backends
    .map(([p, w]) => `{ addr = "127.0.0.1:${p}"${w === undefined ? "" : `, weight = ${w}`} }`)
    .join(", ");
  const listeners = c.ports
    .map((p) => `[[stream.server]]\nbind_addr = "127.0.0.1:${p}"\nup_name = "up"\n`)
    .join("\n");
  return `control = "127.0.0.1:${c.ctl}"
${c.extra ?? ""}
[[stream.upstream]]
name = "up"
server = [${servers}]

${listeners}`;
}

async function generation(base: string): Promise<unknown> {
  const { status, body } = await control(base, "status");
  assert.equal(status, 200, JSON.stringify(body));
  return body.generation;
}

Deno.test("control /now returns the running config with control_token redacted over GET and POST", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      streamConfig({
        ctl,
        backends: [[backend.port]],
        ports: [port],
        extra: `control_token = "${TOKEN}"`,
      }),
    );
    for (const method of ["GET", "POST"]) {
      const res = await fetch(`${base}/now`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      assert.ok(!text.includes(TOKEN), `${method} /now leaks the token: ${text}`);
      const body = JSON.parse(text);
      assert.equal(typeof body.message, "string");
      assert.equal(body.message, "ok");
      assert.equal(body.generation, 1);
      assert.equal(body.file, inst.configPath);
      assert.equal(body.config.control, `127.0.0.1:${ctl}`);
      assert.equal(body.config.control_token, "[redacted]");
      assert.equal(body.config.stream.server.length, 1);
      assert.equal(body.config.stream.server[0].bind_addr, `127.0.0.1:${port}`);
      assert.deepEqual(
        body.config.stream.upstream[0].server.map((s: { addr: string }) => s.addr),
        [`127.0.0.1:${backend.port}`],
      );
    }
    // The generation in /now follows reloads; the token stays hidden in every reply.
    const auth = { authorization: `Bearer ${TOKEN}` };
    const reloaded = await control(base, "reload", { headers: auth });
    assert.equal(reloaded.status, 200, JSON.stringify(reloaded.body));
    const now = await fetch(`${base}/now`, { headers: auth });
    const text = await now.text();
    assert.ok(!text.includes(TOKEN), text);
    assert.equal(JSON.parse(text).generation, 2);
    // The other verbs and unknown paths answer JSON with a message too.
    for (const verb of ["status", "adapt", "no-such-verb"]) {
      const res = await control(base, verb, { headers: auth });
      assert.equal(typeof res.body.message, "string", `${verb}: ${JSON.stringify(res.body)}`);
      assert.equal(res.status, verb === "no-such-verb" ? 404 : 200, JSON.stringify(res.body));
    }
  } finally {
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("control /status reports listeners, generation, open connections and uptime", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const [p1, p2] = [freePort(), freePort()];
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance | undefined;
  let conn: Deno.TcpConn | undefined;
  try {
    inst = await startInstance(
      dir.path,
      streamConfig({ ctl, backends: [[backend.port]], ports: [p1, p2] }),
    );
    const idle = await statusUntil(base, () => true);
    assert.equal(idle.message, "ok");
    assert.equal(idle.generation, 1);
    assert.equal(idle.open_connections, 0);
    assert.equal(typeof idle.uptime_seconds, "number");
    assert.ok(Number.isInteger(idle.uptime_seconds) && (idle.uptime_seconds as number) >= 0);

    conn = await Deno.connect({ hostname: "127.0.0.1", port: p1 });
    await ping(conn, "hello"); // forwarded end to end, so it is tracked now
    const body = (await control(base, "status")).body;
    const listeners = body.listeners as Record<string, unknown>[];
    assert.deepEqual(
      listeners.map((l) => ({
        name: l.name,
        address: l.address,
        open: l.open,
        accepted: l.accepted,
      })),
      [
        { name: "stream.server[0]", address: `127.0.0.1:${p1}`, open: 1, accepted: 1 },
        { name: "stream.server[1]", address: `127.0.0.1:${p2}`, open: 0, accepted: 0 },
      ],
      JSON.stringify(body),
    );
    assert.equal(body.open_connections, 1, JSON.stringify(body));
    assert.equal(body.generation, 1);

    await assertEchoes(p1, "a finished connection");
    const more = (await control(base, "status")).body;
    assert.equal((more.listeners as { accepted: number }[])[0].accepted, 2);

    await ping(conn, "still open");
    conn.close();
    conn = undefined;
    const closed = await statusUntil(base, (b) => b.open_connections === 0);
    assert.equal((closed.listeners as { open: number }[])[0].open, 0);
  } finally {
    conn?.close();
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("control /adapt reports the listener diff of the edited file and applies nothing", async () => {
  const dir = await tempDir();
  const [a, b] = [startServer(taggedEcho("A")), startServer(taggedEcho("B"))];
  const ctl = freePort();
  const [keep, change, remove, add] = [freePort(), freePort(), freePort(), freePort()];
  const base = `http://127.0.0.1:${ctl}`;
  const config = (changeTo: number, ports: [number, number][]) =>
    `control = "127.0.0.1:${ctl}"
[[stream.upstream]]
name = "up"
server = [{ addr = "127.0.0.1:${a.port}" }]
${
      ports.map(([p, to]) =>
        `[[stream.server]]\nbind_addr = "127.0.0.1:${p}"\nproxy_url = "tcp://127.0.0.1:${
          p === change ? changeTo : to
        }"\n`
      ).join("\n")
    }`;
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      config(a.port, [[keep, a.port], [change, a.port], [remove, a.port]]),
    );
    await Deno.writeTextFile(
      inst.configPath,
      config(b.port, [[keep, a.port], [change, b.port], [add, a.port]]),
    );
    const res = await control(base, "adapt");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(typeof res.body.message, "string");
    assert.deepEqual(res.body.diff, {
      added: [`tcp 127.0.0.1:${add}`],
      removed: [`tcp 127.0.0.1:${remove}`],
      changed: [`tcp 127.0.0.1:${change}`],
      unchanged: [`tcp 127.0.0.1:${keep}`],
    });

    // Nothing was applied: the removed port still serves, the added one is not bound,
    // the changed listener still goes where it went, the generation did not move.
    assert.equal(decoder.decode(await roundTrip(remove, encoder.encode("r"))), "Ar");
    assert.equal(await refuses(add), true, "the added port is bound after /adapt");
    assert.equal(decoder.decode(await roundTrip(change, encoder.encode("c"))), "Ac");
    assert.equal(await generation(base), 1);
    const now = await control(base, "now");
    assert.deepEqual(
      (now.body.config as { stream: { server: { bind_addr: string }[] } }).stream.server.map((s) =>
        s.bind_addr
      ),
      [keep, change, remove].map((p) => `127.0.0.1:${p}`),
    );
  } finally {
    await inst?.kill();
    await a.close();
    await b.close();
    await dir.cleanup();
  }
});

Deno.test("control /reload moves a listener to another port and bumps the generation", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const [oldPort, newPort] = [freePort(), freePort()];
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      streamConfig({ ctl, backends: [[backend.port]], ports: [oldPort] }),
    );
    await assertEchoes(oldPort, "before");
    assert.equal(await refuses(newPort), true);
    assert.equal(await generation(base), 1);

    await Deno.writeTextFile(
      inst.configPath,
      streamConfig({ ctl, backends: [[backend.port]], ports: [newPort] }),
    );
    const res = await control(base, "reload");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.message, "reloaded");
    assert.equal(res.body.generation, 2);
    assert.deepEqual(res.body.diff, {
      added: [`tcp 127.0.0.1:${newPort}`],
      removed: [`tcp 127.0.0.1:${oldPort}`],
      changed: [],
      unchanged: [],
    });

    await assertEchoes(newPort, "after the move");
    assert.equal(await refuses(oldPort), true, "the old port still accepts after the reload");
    assert.equal(await generation(base), 2);
    const listeners = (await control(base, "status")).body.listeners as { address: string }[];
    assert.deepEqual(listeners.map((l) => l.address), [`127.0.0.1:${newPort}`]);
  } finally {
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("control /reload of an invalid file answers 400 with key paths and lines and keeps serving", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      streamConfig({ ctl, backends: [[backend.port]], ports: [port] }),
    );
    const bad = `control = "127.0.0.1:${ctl}"
[[stream.upstream]]
name = "up"
server = [{ addr = "127.0.0.1:${backend.port}" }]

[[stream.server]]
bind_addr = "127.0.0.1:${port}"
up_name = "nowhere"

[[stream.server]]
bind_addr = "not an address"
up_name = "up"
`;
    const lines = bad.split("\n");
    const upNameLine = lines.findIndex((l) => l.startsWith('up_name = "nowhere"')) + 1;
    const bindLine = lines.findIndex((l) => l.startsWith('bind_addr = "not an address"')) + 1;
    await Deno.writeTextFile(inst.configPath, bad);

    const res = await control(base, "reload");
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(typeof res.body.message, "string");
    const errors = res.body.errors as string[];
    assert.ok(Array.isArray(errors), JSON.stringify(res.body));
    assert.equal(errors.length, 2, errors.join("\n"));
    const upName = errors.find((e) => e.includes("stream.server[0].up_name"));
    const bind = errors.find((e) => e.includes("stream.server[1].bind_addr"));
    assert.ok(upName, errors.join("\n"));
    assert.ok(bind, errors.join("\n"));
    assert.match(upName, new RegExp(`\\(line ${upNameLine}\\)`));
    assert.match(bind, new RegExp(`\\(line ${bindLine}\\)`));
    assert.ok(upName.includes('"nowhere"'), upName);
    assert.ok(bind.includes('"not an address"'), bind);

    await assertEchoes(port, "still served by the old config");
    assert.equal(await generation(base), 1);
    const now = await control(base, "now");
    const server = (now.body.config as { stream: { server: { up_name: string }[] } }).stream.server;
    assert.equal(server[0].up_name, "up");
  } finally {
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("control /reload onto a port another program holds fails and rolls back", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const [running, freeNew] = [freePort(), freePort()];
  // Another program's socket, without reusePort: the proxy cannot share it.
  let holder: Deno.TcpListener | undefined = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held = (holder.addr as Deno.NetAddr).port;
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      streamConfig({ ctl, backends: [[backend.port]], ports: [running] }),
    );
    // The free port comes before the held one, so it is bound by the time the held one fails.
    const wanted = streamConfig({
      ctl,
      backends: [[backend.port]],
      ports: [running, freeNew, held],
    });
    await Deno.writeTextFile(inst.configPath, wanted);

    const res = await control(base, "reload");
    assert.ok(res.status >= 400, `status ${res.status}: ${JSON.stringify(res.body)}`);
    const message = String(res.body.message);
    assert.ok(message.includes(`127.0.0.1:${held}`), message);
    assert.match(message, /rolled back/);

    await assertEchoes(running, "the running listener survives");
    assert.equal(await refuses(freeNew), true, "the other new listener was left bound");
    assert.equal(await generation(base), 1);
    const listeners = (await control(base, "status")).body.listeners as { address: string }[];
    assert.deepEqual(listeners.map((l) => l.address), [`127.0.0.1:${running}`]);

    // Once the port is released the same file reloads cleanly: the rollback left nothing behind.
    holder.close();
    holder = undefined;
    const retry = await control(base, "reload");
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.generation, 2);
    await assertEchoes(freeNew, "second");
    await assertEchoes(held, "third");
    await assertEchoes(running, "first");
  } finally {
    holder?.close();
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("control /reload of a weight takes over new connections while an open one keeps working", async () => {
  const dir = await tempDir();
  const a = startServer(taggedEcho("A"));
  const b = startServer(taggedEcho("B"));
  const ctl = freePort();
  const port = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance | undefined;
  let longLived: Deno.TcpConn | undefined;
  const pick = async (n: number) => {
    const tags: string[] = [];
    for (let i = 0; i < n; i++) tags.push(decoder.decode(await roundTrip(port, new Uint8Array(0))));
    return tags;
  };
  try {
    inst = await startInstance(
      dir.path,
      streamConfig({ ctl, backends: [[a.port, 100], [b.port, 100]], ports: [port] }),
    );
    longLived = await Deno.connect({ hostname: "127.0.0.1", port });
    const tag = decoder.decode(await readExactly(longLived, 1));
    assert.equal(tag, "A");
    await ping(longLived, "before the reload");
    const before = await pick(6);
    assert.deepEqual(before.toSorted(), ["A", "A", "A", "B", "B", "B"], before.join(","));

    await Deno.writeTextFile(
      inst.configPath,
      streamConfig({ ctl, backends: [[a.port, 1], [b.port, 65535]], ports: [port] }),
    );
    const res = await control(base, "reload");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((res.body.diff as { changed: string[] }).changed, [`tcp 127.0.0.1:${port}`]);

    const acceptedByA = a.accepted();
    const after = await pick(20);
    assert.deepEqual(after, Array(20).fill("B"), after.join(","));
    assert.equal(a.accepted(), acceptedByA);

    // The connection opened under the old weights still reaches A, both ways.
    await ping(longLived, "after the reload");
    await ping(longLived, "x".repeat(100_000));
    longLived.close();
    longLived = undefined;
  } finally {
    longLived?.close();
    await inst?.kill();
    await a.close();
    await b.close();
    await dir.cleanup();
  }
});

Deno.test("control endpoint with control_token answers 401 without the right bearer token", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const base = `http://127.0.0.1:${ctl}`;
  let inst: Instance | undefined;
  try {
    inst = await startInstance(
      dir.path,
      streamConfig({
        ctl,
        backends: [[backend.port]],
        ports: [port],
        extra: `control_token = "${TOKEN}"`,
      }),
    );
    const wrong: [string, HeadersInit][] = [
      ["no header", {}],
      ["wrong token", { authorization: "Bearer not-the-token" }],
      ["token with a suffix", { authorization: `Bearer ${TOKEN}x` }],
      ["token without Bearer", { authorization: TOKEN }],
    ];
    for (const verb of ["now", "status", "adapt", "reload", "stop"]) {
      for (const [what, headers] of wrong) {
        const res = await control(base, verb, { headers });
        assert.equal(res.status, 401, `${verb} with ${what}: ${JSON.stringify(res.body)}`);
        assert.equal(typeof res.body.message, "string");
        assert.ok(!JSON.stringify(res.body).includes(TOKEN));
      }
    }
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const verb of ["now", "status"]) {
      const res = await control(base, verb, { method: "GET", headers: auth });
      assert.equal(res.status, 200, `${verb}: ${JSON.stringify(res.body)}`);
    }
    // The refused /reload and /stop did nothing: same generation, still serving.
    const status = await control(base, "status", { headers: auth });
    assert.equal(status.body.generation, 1);
    await assertEchoes(port, "still running");
  } finally {
    await inst?.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("run refuses a non-loopback control address without control_token (exit 2)", async () => {
  const dir = await tempDir();
  const ctl = freePort(); // never bound: the config is refused before any listener starts
  const path = `${dir.path}/wmproxy.toml`;
  await Deno.writeTextFile(
    path,
    `control = "0.0.0.0:${ctl}"\n[[stream.upstream]]\nname = "up"\n` +
      `server = [{ addr = "127.0.0.1:1" }]\n[[stream.server]]\n` +
      `bind_addr = "127.0.0.1:${freePort()}"\nup_name = "up"\n`,
  );
  const inst = new Instance(path);
  try {
    const outcome = await inst.ready().then(() => "ready", () => "exited");
    assert.equal(outcome, "exited", `started anyway:\n${inst.log()}`);
    const status = await inst.exited();
    assert.equal(status.code, 2, inst.log());
    const log = inst.log();
    assert.match(
      log,
      new RegExp(
        `control: "0\\.0\\.0\\.0:${ctl}" is not a loopback address and control_token is not set.*\\(line 1\\)`,
      ),
    );
  } finally {
    await inst.kill();
    await dir.cleanup();
  }
});
