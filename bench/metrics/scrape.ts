/**
 * What one `/metrics` scrape costs: an instance with N reverse-proxy listeners (each with a
 * static response, one request served on each so every listener has request series) is scraped
 * over and over through the control endpoint; the script prints the median, p95 and max time
 * from request to the last byte, and the size of the text.
 *
 * ```
 * deno run -A bench/metrics/scrape.ts [LISTENERS]   # default 100
 * ```
 *
 * Environment: `SCRAPES` (default 300), `WORKERS` (default 1), `LOAD=1` to scrape while
 * `wrk -t1 -c20` keeps the first listener busy (a scrape of an instance at work).
 * @module
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const LOOPBACK = "127.0.0.1";

/** N distinct free ports (all held open while choosing, so none is handed out twice). */
function freePorts(n: number): number[] {
  const held = Array.from({ length: n }, () => Deno.listen({ hostname: LOOPBACK, port: 0 }));
  const ports = held.map((l) => (l.addr as Deno.NetAddr).port);
  for (const l of held) l.close();
  return ports;
}

const listeners = Number(Deno.args[0] ?? 100);
const scrapes = Number(Deno.env.get("SCRAPES") ?? 300);
const workers = Number(Deno.env.get("WORKERS") ?? 1);
const load = Deno.env.get("LOAD") === "1";
const [ctl, ...ports] = freePorts(listeners + 1);
const servers = ports.map((p) =>
  `[[http.server]]\nbind_addr = "${LOOPBACK}:${p}"\n[[http.server.location]]\nrule = "/"\n` +
  `static_response = "ok"\n`
);
const dir = await Deno.makeTempDir();
await Deno.writeTextFile(
  `${dir}/wmproxy.toml`,
  `control = "${LOOPBACK}:${ctl}"\nworkers = ${workers}\n${servers.join("")}`,
);
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", MAIN, "run", "-c", `${dir}/wmproxy.toml`],
  stdout: "null",
  stderr: "piped",
}).spawn();
// The instance's log, kept to show why it stopped if it does.
let log = "";
const logDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
  new WritableStream({ write: (s) => void (log = (log + s).slice(-8000)) }),
);
let exited = false;
child.status.then(() => exited = true);
const base = `http://${LOOPBACK}:${ctl}`;
try {
  for (let i = 0;; i++) {
    try {
      const r = await fetch(`${base}/status`);
      await r.body?.cancel();
      if (r.ok) break;
    } catch {
      if (exited || i > 200) throw new Error(`the instance did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const p of ports) {
    const r = await fetch(`http://${LOOPBACK}:${p}/`);
    await r.body?.cancel();
  }
  const wrk = load
    ? new Deno.Command("wrk", {
      args: ["-t1", "-c20", "-d600s", `http://${LOOPBACK}:${ports[0]}/`],
      stdout: "null",
      stderr: "null",
    }).spawn()
    : null;
  let bytes = 0;
  const times: number[] = [];
  for (let i = 0; i < scrapes; i++) {
    const t0 = performance.now();
    const r = await fetch(`${base}/metrics`);
    const text = await r.text();
    times.push(performance.now() - t0);
    bytes = text.length;
  }
  if (wrk) {
    wrk.kill("SIGTERM");
    await wrk.status;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(
    `${listeners} listeners, workers = ${workers}${
      load ? ", under wrk -c20" : ""
    }: ${scrapes} scrapes of ${bytes} bytes; ` +
      `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, ` +
      `max ${times[times.length - 1].toFixed(2)} ms`,
  );
} finally {
  if (!exited) child.kill("SIGTERM");
  await child.status;
  await logDone;
  await Deno.remove(dir, { recursive: true });
}
