import assert from "node:assert/strict";
import { compareRows } from "../cases/tunnel/compare.ts";
import { SIDE_LABELS } from "../cases/tunnel/side.ts";
import { openIdleConnections } from "../lib/idle_clients.ts";
import { sshdConfig, sshdFiles, sshRemoteArgs } from "../servers/sshd.ts";
import { tunnelClientConfig, tunnelServerConfig } from "../servers/wmproxy_tunnel.ts";

Deno.test("sshdConfig listens on loopback only, keys only, forwarding on, files in its dir", () => {
  const text = sshdConfig(2222, sshdFiles("/tmp/x"));
  assert.match(text, /^Port 2222$/m);
  assert.match(text, /^ListenAddress 127\.0\.0\.1$/m);
  assert.match(text, /^HostKey \/tmp\/x\/host_ed25519$/m);
  assert.match(text, /^AuthorizedKeysFile \/tmp\/x\/authorized_keys$/m);
  assert.match(text, /^PasswordAuthentication no$/m);
  assert.match(text, /^AllowTcpForwarding yes$/m);
});

Deno.test("sshRemoteArgs asks for each forward on loopback, without host checks or config", () => {
  const args = sshRemoteArgs("/tmp/x", 2222, [
    { listenPort: 9001, targetPort: 80 },
    { listenPort: 9002, targetPort: 5201 },
  ], "root");
  assert.deepEqual(args.slice(0, 4), ["ssh", "-N", "-F", "/dev/null"]);
  assert.ok(args.includes("StrictHostKeyChecking=no"));
  assert.ok(args.includes("ExitOnForwardFailure=yes"));
  assert.deepEqual(args.filter((_, i) => args[i - 1] === "-R"), [
    "127.0.0.1:9001:127.0.0.1:80",
    "127.0.0.1:9002:127.0.0.1:5201",
  ]);
  assert.equal(args.at(-1), "root@127.0.0.1");
});

Deno.test("the tunnel configs: server with TLS and map binds, client with ca and mappings", () => {
  const server = tunnelServerConfig({ tunnel: 1, http: 2, tcp: 3, remoteBinds: [4, 5] }, true);
  assert.match(server, /^mode = "server"$/m);
  assert.match(server, /^tc = true$/m);
  assert.match(server, /^map_tcp_bind = "127\.0\.0\.1:3"$/m);
  assert.match(server, /^allow_ports = "4, 5"$/m);
  const client = tunnelClientConfig(1, [
    { name: "web", mode: "http", localPort: 80, domain: "bench.test" },
    { name: "echo", mode: "tcp", localPort: 7, remoteBind: 4 },
  ], "/tmp/s/wmproxy-tunnel.crt");
  assert.match(client, /^ts = true\nca = "\/tmp\/s\/wmproxy-tunnel\.crt"$/m);
  assert.match(client, /name = "web"\nmode = "http"\nlocal_addr = "127\.0\.0\.1:80"\ndomain/);
  assert.match(client, /remote_bind = "127\.0\.0\.1:4"/);
  assert.match(tunnelClientConfig(1, []), /^ts = false$/m);
});

Deno.test("compareRows names our side in the work column and the peer by its label", () => {
  const samples = new Map(
    [
      ["ssh", [{ ok: true, value: 10 }]],
      ["ours-tls", [{ ok: true, value: 25 }]],
    ] as const,
  );
  const [row] = compareRows(samples, [["ours-tls", "ssh"]], {
    work: "rps",
    unit: "req/s",
    better: "higher",
    value: (n: number) => n,
  });
  assert.equal(row.work, `${SIDE_LABELS["ours-tls"]}: rps`);
  assert.equal(row.peer, SIDE_LABELS.ssh);
  assert.equal(row.ratio, 2.5);
  const [missing] = compareRows(samples, [["ours-plain", "ssh"]], {
    work: "p99",
    unit: "ms",
    better: "lower",
    value: (n: number) => n,
  });
  assert.equal(missing.ours, null);
  assert.match(missing.work, /lower is better/);
});

Deno.test("openIdleConnections with echoByte holds connections whose byte came back", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      accepted.push(conn);
      const buf = new Uint8Array(1);
      conn.read(buf).then((n) => n === 1 ? conn.write(buf) : undefined).catch(() => {});
    }
  })();
  const set = await openIdleConnections((listener.addr as Deno.NetAddr).port, 5, {
    echoByte: true,
  });
  assert.equal(set.count, 5);
  set.close();
  listener.close();
  for (const conn of accepted) conn.close();
  await serving.catch(() => {});
});
