import assert from "node:assert/strict";
import { randomBytes } from "../_support/bytes.ts";
import { curl } from "../_support/curl.ts";
import { closeQuietly, readExactly, readToEnd, writeAll } from "../_support/io.ts";
import { startOrigin, startServer } from "../_support/origins.ts";
import { freePort } from "../_support/ports.ts";
import { control, type Instance, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";
import {
  encodeGreeting,
  encodeRequest,
  encodeUserPass,
  Socks5Command,
  Socks5Method,
} from "../../lib/proxy/socks5/codec.ts";

/** A tunnel server on loopback (no TLS: the tests are about what the streams carry). */
function serverToml(tunnelPort: number, extra = "", top = ""): string {
  return `${top}
[proxy]
mode = "server"
bind_addr = "127.0.0.1:${tunnelPort}"
username = "wmproxy"
password = "s3cret"
heartbeat_interval = "1s"
${extra}
`;
}

/** A client with a local egress proxy on `bindPort`; its target_allow lets users reach loopback. */
function clientToml(servers: number[], bindPort: number, extra = "", top = ""): string {
  return `${top}
[proxy]
server = [${servers.map((p) => `"127.0.0.1:${p}"`).join(", ")}]
username = "wmproxy"
password = "s3cret"
heartbeat_interval = "1s"
bind_addr = "127.0.0.1:${bindPort}"
flag = "http https socks5"
target_allow = "127.0.0.1"
${extra}
`;
}

/** Status and body of `curl ARGS URL`; status 0 when curl failed. */
async function fetchVia(url: string, ...args: string[]): Promise<{ status: number; body: string }> {
  const r = await curl(["--max-time", "10", ...args, "-w", "\n%{http_code}", url]);
  if (r.code !== 0) return { status: 0, body: r.stderr };
  const i = r.stdout.lastIndexOf("\n");
  return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}

/** One session of a server's `/status`, and one server of a client's. */
interface SessionStatus {
  streams: number;
  sent: number;
  received: number;
}

/** The `tunnel` part of the `/status` of the instance whose control endpoint is `port`. */
async function tunnelStatus(
  port: number,
): Promise<{ sessions?: SessionStatus[]; servers?: { state: string; streams: number }[] }> {
  return (await control(`http://127.0.0.1:${port}`, "status")).body.tunnel as never;
}

/** A user's connection that counts the bytes it wrote and read. */
class CountedConn {
  written = 0;
  read = 0;
  readonly conn: Deno.Conn;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  async send(bytes: Uint8Array): Promise<void> {
    await writeAll(this.conn, bytes);
    this.written += bytes.length;
  }

  async take(n: number): Promise<Uint8Array> {
    const bytes = await readExactly(this.conn, n);
    this.read += n;
    return bytes;
  }
}

/** A SOCKS5 CONNECT to 127.0.0.1:`port` with the tunnel's credentials; the reply code. */
async function socks5Connect(user: CountedConn, port: number): Promise<number> {
  await user.send(encodeGreeting([Socks5Method.USER_PASS]));
  const [, method] = await user.take(2);
  if (method === Socks5Method.USER_PASS) {
    await user.send(encodeUserPass("wmproxy", "s3cret"));
    await user.take(2);
  }
  await user.send(encodeRequest(Socks5Command.CONNECT, { hostname: "127.0.0.1", port }));
  const head = await user.take(4);
  await user.take(head[3] === 0x04 ? 18 : 6); // BND.ADDR (IPv6 or IPv4) and BND.PORT
  return head[1];
}

Deno.test({
  name: "tunnel egress: the client's local proxy (HTTP, CONNECT, SOCKS5, with credentials) " +
    "egresses at the server; map_proxy_bind egresses inside the client through a proxy mapping",
  async fn() {
    const serverDir = await tempDir();
    const clientDir = await tempDir();
    const origin = startOrigin("origin");
    const [tunnelPort, mapProxyPort, localPort] = [freePort(), freePort(), freePort()];
    const instances: Instance[] = [];
    try {
      instances.push(
        await startInstance(
          serverDir.path,
          serverToml(tunnelPort, `map_proxy_bind = "127.0.0.1:${mapProxyPort}"`),
        ),
      );
      const client = await startInstance(
        clientDir.path,
        clientToml(
          [tunnelPort],
          localPort,
          `
[[proxy.mappings]]
name = "inside"
mode = "proxy"
`,
        ),
      );
      instances.push(client);
      assert.doesNotMatch(client.log(), /not served/);
      const url = `http://127.0.0.1:${origin.port}/egress`;
      const local = `http://wmproxy:s3cret@127.0.0.1:${localPort}`;
      await eventually(
        async () => (await fetchVia(url, "-x", local)).status === 200,
        10_000,
        "the local proxy to reach the origin through the server",
      );
      assert.deepEqual(await fetchVia(url, "-x", local), { status: 200, body: "origin /egress" });
      // CONNECT through the same proxy.
      assert.deepEqual(await fetchVia(url, "-x", local, "-p"), {
        status: 200,
        body: "origin /egress",
      });
      // SOCKS5 with username/password, the name resolved at the server.
      assert.deepEqual(
        await fetchVia(url, "-x", `socks5h://wmproxy:s3cret@127.0.0.1:${localPort}`),
        { status: 200, body: "origin /egress" },
      );
      // The users give the credentials of the [proxy] section.
      const anonymous = await fetchVia(url, "-x", `http://127.0.0.1:${localPort}`);
      assert.equal(anonymous.status, 407);

      // A visitor of the server's map_proxy_bind egresses at the client.
      const front = `http://wmproxy:s3cret@127.0.0.1:${mapProxyPort}`;
      await eventually(
        async () => (await fetchVia(url, "-x", front)).status === 200,
        10_000,
        "map_proxy_bind to reach the origin through the client's proxy mapping",
      );
      assert.deepEqual(await fetchVia(`${url}/2`, "-x", front, "-p"), {
        status: 200,
        body: "origin /egress/2",
      });
      assert.equal((await fetchVia(url, "-x", `http://127.0.0.1:${mapProxyPort}`)).status, 407);
    } finally {
      for (const i of instances) await i.kill();
      await origin.close();
      await serverDir.cleanup();
      await clientDir.cleanup();
    }
  },
});

Deno.test({
  name: "tunnel egress: the local proxy uses the first server and fails over to the second",
  async fn() {
    const dirs = [await tempDir(), await tempDir(), await tempDir()];
    const origin = startOrigin("origin");
    const [portA, portB, localPort] = [freePort(), freePort(), freePort()];
    let serverA: Instance | undefined;
    const instances: Instance[] = [];
    try {
      serverA = await startInstance(dirs[0].path, serverToml(portA));
      instances.push(await startInstance(dirs[1].path, serverToml(portB)));
      const client = await startInstance(dirs[2].path, clientToml([portA, portB], localPort));
      instances.push(client);
      await client.waitFor(new RegExp(`tunnel session \\w+ to 127\\.0\\.0\\.1:${portA} up`));
      await client.waitFor(new RegExp(`tunnel session \\w+ to 127\\.0\\.0\\.1:${portB} up`));
      const url = `http://127.0.0.1:${origin.port}/a`;
      const local = `http://wmproxy:s3cret@127.0.0.1:${localPort}`;
      assert.deepEqual(await fetchVia(url, "-x", local), { status: 200, body: "origin /a" });

      await serverA.kill();
      serverA = undefined;
      await client.waitFor(new RegExp(`tunnel session \\w+ to 127\\.0\\.0\\.1:${portA} ended`));
      for (const path of ["/b", "/c"]) {
        assert.deepEqual(await fetchVia(`http://127.0.0.1:${origin.port}${path}`, "-x", local), {
          status: 200,
          body: `origin ${path}`,
        });
      }
    } finally {
      await serverA?.kill();
      for (const i of instances) await i.kill();
      await origin.close();
      for (const d of dirs) await d.cleanup();
    }
  },
});

Deno.test({
  name: "tunnel egress: the local proxy's streams count in /status at both ends (open streams) " +
    "and in the server session's bytes",
  async fn() {
    const dirs = [await tempDir(), await tempDir()];
    const echo = startServer();
    const big = "x".repeat(300_000);
    const origin = startOrigin("origin", () => new Response(big));
    const [tunnelPort, localPort, serverCtl, clientCtl] = [
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ];
    const instances: Instance[] = [];
    const session = async () => (await tunnelStatus(serverCtl)).sessions?.[0];
    const link = async () => (await tunnelStatus(clientCtl)).servers?.[0];
    const settled = async () => (await session())?.streams === 0 && (await link())?.streams === 0;
    try {
      instances.push(
        await startInstance(
          dirs[0].path,
          serverToml(tunnelPort, "", `control = "127.0.0.1:${serverCtl}"`),
        ),
      );
      instances.push(
        await startInstance(
          dirs[1].path,
          clientToml([tunnelPort], localPort, "", `control = "127.0.0.1:${clientCtl}"`),
        ),
      );
      await eventually(async () => (await link())?.state === "connected", 10_000, "a session");
      const before = await session();
      assert.deepEqual([before?.streams, before?.sent, before?.received], [0, 0, 0]);

      // A SOCKS5 user echoes 200 000 bytes through the tunnel, counting every byte it moved.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: localPort });
      const user = new CountedConn(conn);
      try {
        assert.equal(await socks5Connect(user, echo.port), 0x00);
        const payload = randomBytes(200_000);
        const [, back] = await Promise.all([user.send(payload), user.take(payload.length)]);
        assert.deepEqual(back, payload);
        assert.equal((await session())?.streams, 1);
        assert.equal((await link())?.streams, 1);
        await conn.closeWrite();
        assert.equal((await readToEnd(conn)).length, 0);
      } finally {
        closeQuietly(conn);
      }
      await eventually(settled, 5000, "the egress stream to end at both ends");
      const counted = await session();
      assert.deepEqual(
        { sent: counted?.sent, received: counted?.received },
        { sent: user.read, received: user.written },
      );

      // curl fetches 300 000 bytes through the HTTP proxy.
      const url = `http://127.0.0.1:${origin.port}/big`;
      const fetched = await fetchVia(url, "-x", `http://wmproxy:s3cret@127.0.0.1:${localPort}`);
      assert.equal(fetched.status, 200);
      assert.equal(fetched.body.length, big.length);
      await eventually(settled, 5000, "the curl's egress stream to end at both ends");
      const after = await session();
      const sent = after!.sent - counted!.sent;
      const received = after!.received - counted!.received;
      // The body, plus a response head; a request head the other way.
      assert.ok(sent > big.length && sent < big.length + 1024, `sent ${sent}`);
      assert.ok(received > 50 && received < 1024, `received ${received}`);
    } finally {
      for (const i of instances) await i.kill();
      await origin.close();
      await echo.close();
      for (const d of dirs) await d.cleanup();
    }
  },
});

Deno.test({
  name: "tunnel egress: with no server connected the local proxy answers HTTP and CONNECT with " +
    "502 and SOCKS5 with reply 0x03 at once; once a server is up it carries users again",
  async fn() {
    const dirs = [await tempDir(), await tempDir()];
    const origin = startOrigin("origin");
    const [tunnelPort, localPort, clientCtl] = [freePort(), freePort(), freePort()];
    const instances: Instance[] = [];
    try {
      // Nothing listens on tunnelPort yet.
      const client = await startInstance(
        dirs[1].path,
        clientToml([tunnelPort], localPort, "", `control = "127.0.0.1:${clientCtl}"`),
      );
      instances.push(client);
      assert.notEqual((await tunnelStatus(clientCtl)).servers?.[0]?.state, "connected");
      const url = `http://127.0.0.1:${origin.port}/back`;
      const local = `http://wmproxy:s3cret@127.0.0.1:${localPort}`;
      const socks = `socks5h://wmproxy:s3cret@127.0.0.1:${localPort}`;
      const started = performance.now();

      const plain = await fetchVia(url, "-x", local);
      assert.equal(plain.status, 502);
      assert.equal(plain.body, "502 Bad Gateway: no tunnel server is connected\n");
      await client.waitFor(/tunnel egress proxy: 127\.0\.0\.1:\d+ \(http\) refused: no tunnel/);

      const connect = await curl(
        ["--max-time", "10", "-x", local, "-p", "-o", "/dev/null", "-w", "%{http_connect}", url],
      );
      assert.notEqual(connect.code, 0);
      assert.equal(connect.stdout, "502");

      const viaSocks = await curl(["--max-time", "10", "-x", socks, url]);
      assert.equal(viaSocks.code, 97, viaSocks.stderr); // CURLE_PROXY
      assert.match(viaSocks.stderr, /SOCKS5/);

      const conn = await Deno.connect({ hostname: "127.0.0.1", port: localPort });
      try {
        assert.equal(await socks5Connect(new CountedConn(conn), origin.port), 0x03);
        assert.equal((await readToEnd(conn)).length, 0);
      } finally {
        closeQuietly(conn);
      }
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 5000, `refusals took ${elapsed} ms`);
      assert.equal(origin.seen.length, 0);

      // The server comes up: the same proxy carries users.
      instances.push(await startInstance(dirs[0].path, serverToml(tunnelPort)));
      await eventually(
        async () => (await tunnelStatus(clientCtl)).servers?.[0]?.state === "connected",
        15_000,
        "the client to connect",
      );
      assert.deepEqual(await fetchVia(url, "-x", local), { status: 200, body: "origin /back" });
      assert.deepEqual(await fetchVia(url, "-x", socks), { status: 200, body: "origin /back" });
      // Four refusals within seconds: one log line (at most one per 10 s).
      assert.equal(client.lines.filter((l) => / refused: no tunnel server/.test(l)).length, 1);
    } finally {
      for (const i of instances) await i.kill();
      await origin.close();
      for (const d of dirs) await d.cleanup();
    }
  },
});
