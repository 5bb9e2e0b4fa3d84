/**
 * Throughput sanity check, not a test: pushes 1 GiB (or `--mib N`) through one mux stream over
 * loopback TCP and prints MB/s, next to plain TCP for comparison.
 *
 *   deno run -A tests/tunnel/mux_throughput.ts [--mib 1024] [--chunk 262144]
 * @module
 */
import { parseArgs } from "node:util";
import { countStream, muxPair, tcpPair } from "../_support/mux.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mib: { type: "string", default: "1024" },
    chunk: { type: "string", default: "262144" },
  },
});
const total = Number(values.mib) * 1024 * 1024;
const chunk = new Uint8Array(Number(values.chunk));

async function plainTcp(): Promise<number> {
  const [a, b] = await tcpPair();
  const started = performance.now();
  const reading = (async () => {
    const buf = new Uint8Array(256 * 1024);
    let n = 0;
    while (true) {
      const got = await b.read(buf);
      if (got === null) return n;
      n += got;
    }
  })();
  for (let sent = 0; sent < total; sent += chunk.length) {
    let off = 0;
    while (off < chunk.length) off += await a.write(chunk.subarray(off));
  }
  await a.closeWrite();
  await reading;
  const ms = performance.now() - started;
  a.close();
  b.close();
  return ms;
}

async function mux(): Promise<number> {
  const pair = await muxPair({ keepAliveInterval: 0 });
  const stream = await pair.client.open();
  const peer = (await pair.server.accept())!;
  const started = performance.now();
  const reading = countStream(peer);
  for (let sent = 0; sent < total; sent += chunk.length) await stream.write(chunk);
  await stream.closeWrite();
  await reading;
  const ms = performance.now() - started;
  await pair.close();
  return ms;
}

function report(name: string, ms: number): number {
  const rate = total / 1e6 / (ms / 1000);
  console.log(`${name}: ${values.mib} MiB in ${ms.toFixed(0)} ms = ${rate.toFixed(0)} MB/s`);
  return rate;
}

const tcp = report("plain TCP", await plainTcp());
const muxed = report("mux stream", await mux());
console.log(`mux / TCP = ${(muxed / tcp).toFixed(2)}`);
