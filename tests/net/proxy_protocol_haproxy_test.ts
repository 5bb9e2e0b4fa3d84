// Interop with HAProxy: `send-proxy` (v1) and `send-proxy-v2` servers in front of a Deno
// server that reads the header with readProxyHeader; the visitor address it parses must be the
// real client's.
import assert from "node:assert/strict";
import { type ProxyHeader, readProxyHeader } from "../../lib/net/proxy_protocol.ts";
import { concat, decoder } from "../_support/bytes.ts";
import { closeQuietly, readAll, writeAll } from "../_support/io.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

/** What the test server saw on one connection. */
interface Seen {
  readonly header: ProxyHeader;
  readonly payload: string;
}

/**
 * Accepts connections, reads each one's PROXY header and payload (to EOF) and answers with
 * them as JSON. HAProxy's readiness probes (connections that close at once) get the same.
 */
async function serve(listener: Deno.Listener): Promise<void> {
  for await (const conn of listener) {
    (async () => {
      try {
        const { header, rest } = await readProxyHeader(conn);
        const payload = decoder.decode(concat(rest, await readAll(conn)));
        await writeAll(conn, JSON.stringify({ header, payload } satisfies Seen));
      } catch {
        // a probe that went away
      } finally {
        closeQuietly(conn);
      }
    })();
  }
}

function haproxyConfig(routes: { bind: string; option: string }[], backend: number): string {
  const sections = routes.map((r, i) => `
frontend in${i}
  bind ${r.bind}
  default_backend out${i}

backend out${i}
  server s${i} 127.0.0.1:${backend} ${r.option}
`);
  return `global
  nbthread 1

defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
${sections.join("")}`;
}

Deno.test("readProxyHeader(): HAProxy send-proxy and send-proxy-v2 give the real client's address", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = serve(listener);
  const dir = await tempDir();
  const [v1, v2, v1Ipv6, v2Ipv6] = [freePort(), freePort(), freePort("::1"), freePort("::1")];
  const routes = [
    { bind: `127.0.0.1:${v1}`, option: "send-proxy", host: "127.0.0.1", port: v1, version: 1 },
    { bind: `127.0.0.1:${v2}`, option: "send-proxy-v2", host: "127.0.0.1", port: v2, version: 2 },
    { bind: `[::1]:${v1Ipv6}`, option: "send-proxy", host: "::1", port: v1Ipv6, version: 1 },
    { bind: `[::1]:${v2Ipv6}`, option: "send-proxy-v2", host: "::1", port: v2Ipv6, version: 2 },
  ];
  const cfg = `${dir.path}/haproxy.cfg`;
  await Deno.writeTextFile(cfg, haproxyConfig(routes, listener.addr.port));
  const haproxy = new Deno.Command("haproxy", {
    args: ["-f", cfg, "-db"],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    await eventually(async () => !(await refuses(v1)), 10_000, "haproxy to listen");
    for (const route of routes) {
      const conn = await Deno.connect({ hostname: route.host, port: route.port });
      // Spread: Deno's NetAddr objects have a null prototype, which deepEqual compares.
      const client = { ...conn.localAddr as Deno.NetAddr };
      await writeAll(conn, `hello ${route.option}`);
      await conn.closeWrite();
      const seen: Seen = JSON.parse(decoder.decode(await readAll(conn)));
      conn.close();
      const what = `${route.option} on ${route.bind}`;
      assert.equal(seen.payload, `hello ${route.option}`, what);
      assert.equal(seen.header.kind, "proxy", what);
      assert.equal(seen.header.version, route.version, what);
      assert.deepEqual(seen.header.source, client, what);
      assert.deepEqual(
        seen.header.destination,
        { transport: "tcp", hostname: route.host, port: route.port },
        what,
      );
      if (route.version === 1) assert.deepEqual(seen.header.tlvs, [], what);
    }
  } finally {
    haproxy.kill("SIGKILL");
    await haproxy.status;
    listener.close();
    await served.catch(() => {});
    await dir.cleanup();
  }
});
