/**
 * What a worker recycle costs new connections: an instance with `workers = 2` and a small
 * `worker_max_requests` serves a static response on loopback while this script opens new
 * connections at a steady rate (one request each, `Connection: close`); every connection that
 * is reset, refused or gets no answer counts as a failure. Recycles are read from `/status`.
 *
 * ```
 * deno run -A bench/recycle/resets.ts [RATE ...]   # new connections per second, default 200 1000 2000
 * ```
 *
 * Environment: `DURATION` seconds per rate (default 10), `MAX` = `worker_max_requests` (default: a
 * recycle about every second at each rate).
 * @module
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const LOOPBACK = "127.0.0.1";
const REQUEST = new TextEncoder().encode(
  "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n",
);

/** What happened to the connections of one run. */
interface Tally {
  ok: number;
  failed: Map<string, number>;
}

/** Picks a free loopback port (bound then closed). */
function freePort(): number {
  const l = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** One connection, one request: "ok" or the kind of failure. */
async function once(port: number): Promise<string> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: LOOPBACK, port });
    await conn.write(REQUEST);
    const buf = new Uint8Array(4096);
    let got = "";
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += new TextDecoder().decode(buf.subarray(0, n));
    }
    return got.startsWith("HTTP/1.1 200") ? "ok" : got === "" ? "empty reply" : "bad reply";
  } catch (e) {
    return (e as Error).name;
  } finally {
    try {
      conn?.close();
    } catch {
      // closed
    }
  }
}

/** Sums `recycles` over `/status`'s workers. */
async function recycles(ctl: number): Promise<number> {
  const res = await fetch(`http://${LOOPBACK}:${ctl}/status`, { method: "POST" });
  const body = await res.json() as { workers: { recycles: number }[] };
  return body.workers.reduce((n, w) => n + w.recycles, 0);
}

/** Runs one instance at `rate` new connections per second for `seconds`. */
async function run(rate: number, seconds: number, max: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-recycle-" });
  const ctl = freePort();
  const port = freePort();
  await Deno.writeTextFile(
    `${dir}/wmproxy.toml`,
    `control = "${LOOPBACK}:${ctl}"
workers = 2
worker_max_requests = ${max}
shutdown_timeout = "10s"
default_level = "warn"
[http]
[[http.server]]
bind_addr = "${LOOPBACK}:${port}"
[[http.server.location]]
rule = "/"
static_response = "ok"
`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "run", "-c", `${dir}/wmproxy.toml`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    // Ready once the listener answers.
    while (await once(port) !== "ok") await new Promise((r) => setTimeout(r, 50));
    const before = await recycles(ctl);
    const tally: Tally = { ok: 0, failed: new Map() };
    const pending: Promise<void>[] = [];
    const total = rate * seconds;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        once(port).then((r) => {
          if (r === "ok") tally.ok++;
          else tally.failed.set(r, (tally.failed.get(r) ?? 0) + 1);
        }),
      );
    }
    await Promise.all(pending);
    const took = (performance.now() - t0) / 1000;
    const n = (await recycles(ctl)) - before;
    const failed = [...tally.failed.values()].reduce((a, b) => a + b, 0);
    const kinds = [...tally.failed].map(([k, v]) => `${k} ${v}`).join(", ") || "none";
    console.log(
      `${rate}/s for ${took.toFixed(1)} s (worker_max_requests = ${max}): ${tally.ok} ok, ` +
        `${failed} failed (${kinds}), ${n} recycles, ` +
        `${n ? (failed / n).toFixed(2) : "-"} failed per recycle`,
    );
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const rates = Deno.args.length ? Deno.args.map(Number) : [200, 1000, 2000];
  const seconds = Number(Deno.env.get("DURATION") ?? 10);
  for (const rate of rates) {
    // Two workers share the rate: each passes MAX about once a second by default.
    const max = Number(Deno.env.get("MAX") ?? Math.max(50, Math.round(rate / 2)));
    await run(rate, seconds, max);
  }
}
