/**
 * WebSocket load client, the same for every side: `CONNS` connections each send binary
 * messages of `SIZE` bytes to a WebSocket→TCP bridge in front of a TCP echo for `SECONDS`,
 * keeping at most `WINDOW` messages' bytes unanswered, and count the bytes echoed back (the
 * echo's message boundaries differ, so bytes are counted, not messages). Run as its own
 * process: `deno run -A bench/lib/ws_load.ts URL SIZE CONNS SECONDS`; prints one JSON line.
 * @module
 */

/** What one load run measured. */
export interface WsLoadReport {
  /** Messages sent and fully echoed back. */
  messages: number;
  /** Payload bytes sent (and echoed back). */
  bytes: number;
  /** Seconds from the first send to the last echoed byte. */
  seconds: number;
}

/** Messages in flight per connection. */
const WINDOW = 16;

/**
 * Runs the client in its own process and parses its report.
 * @param url the bridge, `ws://127.0.0.1:PORT/`
 * @param options message size, connections and seconds
 * @returns messages and bytes echoed, and the time taken
 */
export async function runWsLoad(
  url: string,
  options: { size: number; connections: number; seconds: number },
): Promise<WsLoadReport> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      url,
      String(options.size),
      String(options.connections),
      String(options.seconds),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (out.code !== 0 || text === "") {
    throw new Error(`ws load failed: ${new TextDecoder().decode(out.stderr).trim().slice(-300)}`);
  }
  return JSON.parse(text) as WsLoadReport;
}

async function oneConnection(url: string, size: number, until: number): Promise<number> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message));
  });
  const payload = new Uint8Array(size);
  crypto.getRandomValues(payload);
  let sent = 0;
  let received = 0;
  return await new Promise<number>((resolve, reject) => {
    const pump = () => {
      while (Date.now() < until && sent - received < WINDOW * size) {
        ws.send(payload);
        sent += size;
      }
      if (Date.now() >= until && received >= sent) {
        ws.close();
        resolve(sent / size);
      }
    };
    ws.onmessage = (e) => {
      received += (e.data as ArrayBuffer).byteLength;
      pump();
    };
    ws.onclose = () => received < sent && reject(new Error("closed early"));
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message));
    pump();
    // A window that drains exactly at the deadline gets one more look.
    setTimeout(pump, until - Date.now() + 5);
  });
}

if (import.meta.main) {
  const [url, size, conns, seconds] = Deno.args;
  const bytes = Number(size);
  const start = performance.now();
  const until = Date.now() + Number(seconds) * 1000;
  const counts = await Promise.all(
    Array.from({ length: Number(conns) }, () => oneConnection(url, bytes, until)),
  );
  const elapsed = (performance.now() - start) / 1000;
  const messages = counts.reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ messages, bytes: messages * bytes, seconds: elapsed }));
}
