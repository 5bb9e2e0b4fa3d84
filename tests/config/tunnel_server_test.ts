import assert from "node:assert/strict";
import { loadConfigFile } from "../../lib/config/load.ts";
import type { TunnelServer } from "../../lib/config/schema.ts";
import { selfSignedCertificate } from "../_support/pki.ts";
import { tempDir } from "../_support/temp.ts";
import { errors, load, REFERENCE, warnings } from "./_tunnel.ts";

const TWO_WAY =
  "accepted but not applied: Deno cannot verify client certificates; the client is authenticated by its username/password over TLS instead";

function server(...lines: string[]): TunnelServer {
  const t = load(...lines).config.tunnel;
  assert.equal(t?.mode, "server");
  return t as TunnelServer;
}

Deno.test("tunnel server: wmproxy's server.toml loads as it is, with the defaults", async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/server.toml`;
    await Deno.copyFile(new URL("server.toml", REFERENCE), file);
    const { config, warnings } = await loadConfigFile(file);
    assert.deepEqual(warnings, [
      `proxy.two_way_tls: ${TWO_WAY} (line 19)`,
    ]);
    assert.equal(config.proxy, null);
    assert.deepEqual(config.tunnel, {
      mode: "server",
      bind_addr: "0.0.0.0:8091",
      username: "wmproxy",
      password: "wmproxy",
      two_way_tls: true,
      max_streams: 1024,
      heartbeat_interval: 10,
      heartbeat_timeout: 30,
      tc: true,
      cert: null,
      key: null,
      tls: "auto",
      map_http_bind: "0.0.0.0:8001",
      map_https_bind: "0.0.0.0:8003",
      map_tcp_bind: "0.0.0.0:8002",
      map_proxy_bind: null,
      map_cert: null,
      map_key: null,
      map_tls: "auto",
      allow_ports: [],
      max_sessions: 1000,
    });
  } finally {
    await dir.cleanup();
  }
});

Deno.test("tunnel server: allow_ports parses ports and ranges, as a string or a list", () => {
  const base = ["[proxy]", 'mode = "server"', 'bind_addr = "127.0.0.1:8091"'];
  assert.deepEqual(server(...base, 'allow_ports = "6000-7000, 8022"').allow_ports, [
    { low: 6000, high: 7000 },
    { low: 8022, high: 8022 },
  ]);
  assert.deepEqual(
    server(...base, 'allow_ports = ["6000 - 6010", 8022, "9000 9001"]').allow_ports,
    [
      { low: 6000, high: 6010 },
      { low: 8022, high: 8022 },
      { low: 9000, high: 9000 },
      { low: 9001, high: 9001 },
    ],
  );
  assert.deepEqual(server(...base, 'allow_ports = ""').allow_ports, []);
  const expected = 'expected ports and ranges such as "6000-7000, 8022" (1-65535)';
  assert.deepEqual(errors(...base, 'allow_ports = "6000-7000, 70000, 9-5, x, 0"'), [
    `proxy.allow_ports: "70000", "9-5", "x", "0" are not a port or range, ${expected} (line 4)`,
  ]);
  assert.deepEqual(errors(...base, "allow_ports = [true]"), [
    `proxy.allow_ports: "true" is not a port or range, ${expected} (line 4)`,
  ]);
});

Deno.test("tunnel server: max_sessions, max_streams and heartbeats are read and checked", () => {
  const base = ["[proxy]", 'mode = "server"', 'bind_addr = "127.0.0.1:8091"'];
  const s = server(
    ...base,
    "max_sessions = 5",
    "max_streams = 64",
    'heartbeat_interval = "5s"',
  );
  assert.deepEqual(
    [s.max_sessions, s.max_streams, s.heartbeat_interval, s.heartbeat_timeout],
    [5, 64, 5, 15],
  );
  assert.deepEqual(
    errors(
      ...base,
      "max_sessions = 0",
      'max_streams = "many"',
      'heartbeat_interval = "20s"',
      'heartbeat_timeout = "20s"',
    ),
    [
      'proxy.max_streams: "many" is not a whole number, expected a whole number from 1 to 1000000 (line 5)',
      'proxy.heartbeat_timeout: "20s" is not longer than heartbeat_interval (20s), expected a duration longer than heartbeat_interval, such as three intervals (line 7)',
      "proxy.max_sessions: 0 is out of range, expected a whole number from 1 to 10000000 (line 4)",
    ],
  );
  assert.deepEqual(errors(...base, 'heartbeat_interval = "0s"'), [
    'proxy.heartbeat_interval: "0s" is zero, expected a duration above zero, such as "10s" (line 4)',
  ]);
});

Deno.test("tunnel server: each bad key is an error with its key path and line", () => {
  assert.deepEqual(errors("[proxy]", 'mode = "server"', 'username = "u"'), [
    "proxy.password: is missing, expected username and password set together (line 1)",
    'proxy.bind_addr: is missing, expected where tunnel clients connect, host:port such as "0.0.0.0:8091" (line 1)',
  ]);
  assert.deepEqual(
    errors(
      "[proxy]",
      'mode = "server"',
      'bind_addr = "127.0.0.1:8091"',
      'map_http_bind = "127.0.0.1:8091"',
      'map_tcp_bind = "nowhere"',
      'map_proxy_bind = "127.0.0.1:8001"',
      "[[stream.server]]",
      'bind_addr = "127.0.0.1:8001"',
      'proxy_url = "tcp://127.0.0.1:9"',
    ),
    [
      'proxy.map_tcp_bind: "nowhere" is not a valid address, expected host:port such as "0.0.0.0:8091" (line 5)',
      'proxy.map_http_bind: "127.0.0.1:8091" is already used by proxy.bind_addr, expected one kind of tcp listener per address (line 4)',
      'proxy.map_proxy_bind: "127.0.0.1:8001" is already used by stream.server[0], expected one kind of tcp listener per address (line 6)',
    ],
  );
  assert.deepEqual(errors("[proxy]", 'mode = "relay"'), [
    'proxy.mode: "relay" is not a tunnel mode, expected "server" or "client" (no mode: a forward proxy) (line 2)',
  ]);
  assert.deepEqual(errors("[proxy]", 'map_http_bind = "0.0.0.0:8001"'), [
    'proxy.map_http_bind: is a tunnel server key, but mode is not set, expected mode = "server" (or no tunnel keys for a forward proxy) (line 2)',
  ]);
});

Deno.test("tunnel server: cert/key and map_cert/map_key are read and must match", async () => {
  const dir = await tempDir();
  try {
    const a = await Deno.makeTempDir({ dir: dir.path });
    const b = await Deno.makeTempDir({ dir: dir.path });
    const one = await selfSignedCertificate(a, "tunnel.example");
    const two = await selfSignedCertificate(b, "map.example");
    const base = ["[proxy]", 'mode = "server"', 'bind_addr = "127.0.0.1:8091"'];
    const s = server(
      ...base,
      "tc = true",
      `cert = "${one.cert}"`,
      `key = "${one.key}"`,
      'map_https_bind = "127.0.0.1:8443"',
      `map_cert = "${two.cert}"`,
      `map_key = "${two.key}"`,
    );
    assert.equal(s.cert, one.cert);
    assert.ok(s.tls !== "auto" && s.tls?.cert_pem.includes("BEGIN CERTIFICATE"));
    assert.ok(s.map_tls !== "auto" && s.map_tls?.key_pem.includes("PRIVATE KEY"));
    assert.deepEqual(
      errors(
        ...base,
        "tc = true",
        `cert = "${one.cert}"`,
        'map_https_bind = "127.0.0.1:8443"',
        `map_cert = "${one.cert}"`,
        `map_key = "${two.key}"`,
      ),
      [
        "proxy.key: is missing, expected the key of cert (line 1)",
        `proxy.map_key: "${two.key}" is not the key of "${one.cert}", expected a PEM private key file matching map_cert (line 8)`,
      ],
    );
  } finally {
    await dir.cleanup();
  }
});

Deno.test("tunnel server: warnings for two_way_tls, TLS off off loopback, and keys of the other end", () => {
  const base = ["[proxy]", 'mode = "server"'];
  assert.deepEqual(
    warnings(...base, 'bind_addr = "0.0.0.0:8091"', 'username = "u"', 'password = "p"'),
    ["proxy.bind_addr: credentials cross the network in clear; set tc = true (line 3)"],
  );
  assert.deepEqual(warnings(...base, 'bind_addr = "0.0.0.0:8091"', "tc = false"), [
    "proxy.tc: tunnel traffic crosses the network in clear and no username/password is set: anyone who reaches bind_addr may publish mappings; set tc = true and credentials (line 4)",
  ]);
  assert.deepEqual(warnings(...base, 'bind_addr = "0.0.0.0:8091"', "tc = true"), [
    "proxy.bind_addr: no username/password: anyone who reaches it may publish mappings; set credentials (line 3)",
  ]);
  assert.deepEqual(
    warnings(
      ...base,
      'bind_addr = "127.0.0.1:8091"',
      "two_way_tls = true",
      'cert = "c.pem"',
      'map_key = "k.pem"',
      'server = "127.0.0.1:1"',
      'flag = "http"',
      "ts = false",
    ),
    [
      'proxy.server: only applies to mode = "client"; ignored (line 7)',
      'proxy.flag: only applies to a forward proxy or mode = "client"; ignored (line 8)',
      `proxy.two_way_tls: ${TWO_WAY} (line 4)`,
      "proxy.cert: only applies with tc = true; ignored (line 5)",
      "proxy.map_key: only applies with map_https_bind; ignored (line 6)",
    ],
  );
});
