import assert from "node:assert/strict";
import { decoder, encoder } from "../_support/bytes.ts";
import { acceptLoop } from "../_support/accept.ts";
import { exchange, readToEnd, roundTrip } from "../_support/io.ts";
import { tcpPair } from "../_support/mux.ts";
import { startServer } from "../_support/origins.ts";
import { eventually } from "../_support/wait.ts";
import {
  clientOptions,
  serverOptions,
  sessionsReach,
  startTunnelClient,
  startTunnelServer,
} from "../_support/tunnel.ts";
import {
  type MuxStream,
  TunnelClient,
  TunnelUnavailableError,
  type VisitorOpen,
} from "../../lib/tunnel/client/client.ts";
import type { EgressHandler, EgressOpen } from "../../lib/tunnel/server/server.ts";

/** Everything a stream sends until its FIN. */
async function readStream(stream: MuxStream): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  while (true) {
    const n = await stream.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  return chunks.map((c) => decoder.decode(c)).join("");
}

/** An egress handler answering `tag:` and every byte the user sent, then FIN. */
function taggedEgress(tag: string, seen: EgressOpen[] = []): EgressHandler {
  return async (stream, open) => {
    seen.push(open);
    await stream.write(encoder.encode(`${tag}:${decoder.decode(open.first)}`));
    const rest = await readStream(stream);
    await stream.write(encoder.encode(rest));
    await stream.closeWrite();
  };
}

async function egressExchange(client: TunnelClient, text: string): Promise<string> {
  const stream = await client.openEgress("10.1.2.3:4567");
  await stream.write(encoder.encode(text));
  await stream.closeWrite();
  const answer = await readStream(stream);
  stream.close();
  return answer;
}

Deno.test("TunnelClient.openEgress reaches the server's egress handler with the user's address, credentials and policy", async () => {
  const seen: EgressOpen[] = [];
  const tunnel = startTunnelServer(serverOptions({ serveEgress: taggedEgress("S", seen) }));
  const policy = { flags: ["http"], targetAllow: ["127.0.0.1"], targetDeny: [] };
  const client = await startTunnelClient(clientOptions(tunnel.bindPort, [], { egress: policy }));
  try {
    assert.equal(await egressExchange(client, "hello"), "S:hello");
    assert.equal(seen.length, 1);
    assert.equal(seen[0].peer, "10.1.2.3:4567");
    assert.deepEqual(seen[0].credentials, { username: "tunnel", password: "secret" });
    assert.deepEqual(seen[0].policy, policy);
    assert.equal(seen[0].session, tunnel.server.status().sessions[0].id);
  } finally {
    await client.stop(0);
    await tunnel.close();
  }
});

Deno.test("TunnelServer without serveEgress resets egress streams; the session stays up", async () => {
  const tunnel = startTunnelServer();
  const client = await startTunnelClient(clientOptions(tunnel.bindPort, []));
  try {
    await assert.rejects(egressExchange(client, "x"));
    assert.equal(client.status().servers[0].state, "connected");
    assert.equal(tunnel.server.status().sessions.length, 1);
  } finally {
    await client.stop(0);
    await tunnel.close();
  }
});

Deno.test("TunnelClient.openEgress uses the first connected server and fails over to the next", async () => {
  const a = startTunnelServer(serverOptions({ serveEgress: taggedEgress("A") }));
  const b = startTunnelServer(serverOptions({ serveEgress: taggedEgress("B") }));
  const client = new TunnelClient(
    clientOptions(a.bindPort, [], {
      servers: [
        { address: `127.0.0.1:${a.bindPort}`, tls: null },
        { address: `127.0.0.1:${b.bindPort}`, tls: null },
      ],
    }),
  );
  client.start();
  const closed = new Set<unknown>();
  try {
    await sessionsReach(a.server, 1);
    await sessionsReach(b.server, 1);
    await eventually(() => client.status().servers.every((s) => s.state === "connected"));
    for (let i = 0; i < 3; i++) assert.equal(await egressExchange(client, "x"), "A:x");
    await a.close();
    closed.add(a);
    await eventually(() => client.status().servers[0].state !== "connected");
    assert.equal(await egressExchange(client, "y"), "B:y");
    await b.close();
    closed.add(b);
    await eventually(() => client.status().servers[1].state !== "connected");
    await assert.rejects(client.openEgress(), TunnelUnavailableError);
  } finally {
    await client.stop(0);
    if (!closed.has(a)) await a.close();
    if (!closed.has(b)) await b.close();
  }
});

Deno.test("A proxy mapping: a visitor of serveProxy reaches the client's stream handler", async () => {
  const tunnel = startTunnelServer(
    serverOptions({
      policy: { fronts: { http: true, https: false, tcp: true, proxy: true }, allowPorts: [] },
    }),
  );
  const front = acceptLoop(
    Deno.listen({ hostname: "127.0.0.1", port: 0 }),
    (c) => tunnel.server.serveProxy(c),
  );
  const seen: VisitorOpen[] = [];
  const client = await startTunnelClient(
    clientOptions(
      tunnel.bindPort,
      [{ name: "egress", mode: "proxy", domains: [], localAddr: "" }],
      {
        serveStream: async (stream, open) => {
          seen.push(open);
          await stream.write(encoder.encode(`proxy ${open.mapping.name}:`));
          const rest = await readStream(stream);
          await stream.write(encoder.encode(decoder.decode(open.first) + rest));
          await stream.closeWrite();
        },
      },
    ),
  );
  try {
    assert.deepEqual(tunnel.server.status().routes, [{ route: "proxy", sessions: 1 }]);
    const answer = decoder.decode(
      await roundTrip(front.port, encoder.encode("CONNECT x:1 HTTP/1.1\r\n\r\n")),
    );
    assert.equal(answer, "proxy egress:CONNECT x:1 HTTP/1.1\r\n\r\n");
    assert.equal(seen.length, 1);
    assert.equal(seen[0].mapping.mode, "proxy");
    assert.match(seen[0].peer ?? "", /^127\.0\.0\.1:\d+$/);
  } finally {
    await client.stop(0);
    await tunnel.close();
    await front.close();
  }
});

Deno.test("A proxy mapping is refused by a server without map_proxy_bind; its visitors are closed", async () => {
  const tunnel = startTunnelServer();
  const front = acceptLoop(
    Deno.listen({ hostname: "127.0.0.1", port: 0 }),
    (c) => tunnel.server.serveProxy(c),
  );
  const client = await startTunnelClient(
    clientOptions(tunnel.bindPort, [{ name: "p", mode: "proxy", domains: [], localAddr: "" }]),
  );
  try {
    assert.deepEqual(client.status().servers[0].refused, [
      { name: "p", reason: "this server has no map_proxy_bind" },
    ]);
    assert.equal((await exchange(front.port, "GET / HTTP/1.1\r\n\r\n")).length, 0);
  } finally {
    await client.stop(0);
    await tunnel.close();
    await front.close();
  }
});

Deno.test("The default stream handler relays to localAddr, the bytes that came with open first", async () => {
  const origin = startServer();
  const tunnel = startTunnelServer();
  const client = await startTunnelClient(
    clientOptions(tunnel.bindPort, [{
      name: "echo",
      mode: "tcp",
      domains: [],
      localAddr: `127.0.0.1:${origin.port}`,
    }]),
  );
  try {
    assert.equal(decoder.decode(await roundTrip(tunnel.tcpPort, encoder.encode("ping"))), "ping");
  } finally {
    await client.stop(0);
    await tunnel.close();
    await origin.close();
  }
});

Deno.test("TunnelClient.carryEgress relays a connection, counted in both ends' streams and the server's bytes, and returns false with no server", async () => {
  const tunnel = startTunnelServer(serverOptions({ serveEgress: taggedEgress("S") }));
  const client = await startTunnelClient(clientOptions(tunnel.bindPort, []));
  const [user, local] = await tcpPair();
  let closed = false;
  try {
    const carried = client.carryEgress(local, "10.1.2.3:4567");
    await user.write(encoder.encode("hello"));
    await eventually(() => client.status().servers[0].streams === 1, 5000, "a client stream");
    assert.equal(tunnel.server.status().sessions[0].streams, 1);
    await user.closeWrite();
    assert.equal(decoder.decode(await readToEnd(user)), "S:hello");
    assert.equal(await carried, true);
    await eventually(() => tunnel.server.status().sessions[0].streams === 0, 5000, "the end");
    assert.equal(client.status().servers[0].streams, 0);
    const { sent, received } = tunnel.server.status().sessions[0];
    assert.deepEqual({ sent, received }, { sent: 7, received: 5 });

    await tunnel.close();
    closed = true;
    await eventually(() => client.status().servers[0].state !== "connected");
    const [other, otherLocal] = await tcpPair();
    try {
      assert.equal(await client.carryEgress(otherLocal), false);
      // Nothing was read: the bytes are still there for whoever answers the user.
      await other.write(encoder.encode("x"));
      assert.equal(await otherLocal.read(new Uint8Array(4)), 1);
    } finally {
      other.close();
      otherLocal.close();
    }
  } finally {
    user.close();
    await client.stop(0);
    if (!closed) await tunnel.close();
  }
});
