import assert from "node:assert/strict";
import { loadConfigFile } from "../../lib/config/load.ts";
import type { TunnelClient } from "../../lib/config/schema.ts";
import { selfSignedCertificate } from "../_support/pki.ts";
import { tempDir } from "../_support/temp.ts";
import { errors, load, REFERENCE, warnings } from "./_tunnel.ts";

function client(...lines: string[]): TunnelClient {
  const t = load(...lines).config.tunnel;
  assert.equal(t?.mode, "client");
  return t as TunnelClient;
}

const BASE = ["[proxy]", 'mode = "client"', 'server = "127.0.0.1:8091"'];

Deno.test("tunnel client: wmproxy's client.toml loads as it is (no mode: server implies client)", async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/client.toml`;
    await Deno.copyFile(new URL("client.toml", REFERENCE), file);
    const { config, warnings } = await loadConfigFile(file);
    assert.deepEqual(warnings, [
      "proxy.two_way_tls: accepted but not applied: Deno cannot verify client certificates; the client is authenticated by its username/password over TLS instead (line 10)",
    ]);
    assert.equal(config.control, "127.0.0.1:8838");
    assert.equal(config.proxy, null);
    const t = config.tunnel as TunnelClient;
    assert.deepEqual(
      [t.mode, t.server, t.ts, t.domain, t.ca, t.username, t.two_way_tls],
      ["client", ["127.0.0.1:8091"], true, null, null, "wmproxy", true],
    );
    assert.deepEqual(
      [t.proxy?.bind_addr, t.proxy?.flag, t.proxy?.username],
      ["0.0.0.0:8090", ["http", "https", "socks5"], "wmproxy"],
    );
    assert.deepEqual(t.mappings.map((m) => [m.name, m.mode, m.local_addr, m.domain]), [
      ["web", "http", "127.0.0.1:8080", "localhost"],
      ["tcp", "tcp", "127.0.0.1:8080", null],
    ]);
    assert.equal(t.mappings[0].headers.length, 4);
    assert.deepEqual(t.mappings[0].header_rules[3], { op: "remove", name: "etag", value: "" });
    assert.deepEqual([t.mappings[1].remote_bind, t.mappings[1].headers], [null, []]);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("tunnel client: server is one address or a list, each checked", () => {
  assert.deepEqual(client(...BASE).server, ["127.0.0.1:8091"]);
  assert.deepEqual(
    client("[proxy]", 'server = ["127.0.0.1:8091", "[::1]:8091", "tunnel.example:443"]').server,
    ["127.0.0.1:8091", "[::1]:8091", "tunnel.example:443"],
  );
  const expected = 'expected host:port such as "203.0.113.7:8091"';
  assert.deepEqual(errors("[proxy]", 'server = ["127.0.0.1:8091", "nowhere", 5]'), [
    `proxy.server[1]: "nowhere" is not a valid address, ${expected} (line 2)`,
    `proxy.server[2]: 5 is not a valid address, ${expected} (line 2)`,
  ]);
  assert.deepEqual(errors("[proxy]", 'mode = "client"', 'server = "127.0.0.1:0"'), [
    `proxy.server: "127.0.0.1:0" is not a valid address, ${expected} (line 3)`,
  ]);
  assert.deepEqual(errors("[proxy]", "server = []"), [
    'proxy.server: is an empty list, expected the tunnel server, "host:port" or a list of them (line 2)',
  ]);
  assert.deepEqual(errors("[proxy]", 'mode = "client"'), [
    'proxy.server: is missing, expected the tunnel server, "host:port" or a list of them (line 1)',
  ]);
});

Deno.test("tunnel client: mappings are checked alone and against each other", () => {
  const t = client(
    ...BASE,
    "[[proxy.mappings]]",
    'name = "ssh"',
    'mode = "TCP"',
    'local_addr = "127.0.0.1:22"',
    'remote_bind = "0.0.0.0:6022"',
    'send_proxy_protocol = "v2"',
    "[[proxy.mappings]]",
    'name = "socks"',
    'mode = "proxy"',
    "[[proxy.mappings]]",
    'name = "site"',
    'mode = "https"',
    'local_addr = "127.0.0.1:8080"',
    'domain = "WWW.Example.com"',
    'headers = ["+ X-From tunnel"]',
  );
  assert.deepEqual(t.mappings, [
    {
      name: "ssh",
      mode: "tcp",
      local_addr: "127.0.0.1:22",
      domain: null,
      headers: [],
      header_rules: [],
      remote_bind: "0.0.0.0:6022",
      send_proxy_protocol: "v2",
    },
    {
      name: "socks",
      mode: "proxy",
      local_addr: null,
      domain: null,
      headers: [],
      header_rules: [],
      remote_bind: null,
      send_proxy_protocol: null,
    },
    {
      name: "site",
      mode: "https",
      local_addr: "127.0.0.1:8080",
      domain: "www.example.com",
      headers: ["+ X-From tunnel"],
      header_rules: [{ op: "add", name: "X-From", value: "tunnel" }],
      remote_bind: null,
      send_proxy_protocol: null,
    },
  ]);
  const m = (...lines: string[]) => ["[[proxy.mappings]]", ...lines];
  assert.deepEqual(
    errors(
      ...BASE,
      ...m('name = "a"', 'mode = "http"', 'local_addr = "127.0.0.1:80"', 'domain = "a.test"'),
      ...m('name = "a"', 'mode = "tcp"', 'local_addr = "127.0.0.1:81"'),
      ...m('name = "b"', 'mode = "udp"', 'local_addr = "127.0.0.1:82"'),
      ...m('name = "c"', 'mode = "http"', 'domain = "a.test"'),
      ...m('name = "d"', 'mode = "tcp"', 'local_addr = "127.0.0.1:84"'),
      ...m('name = "e"', 'mode = "tcp"', 'local_addr = "127.0.0.1:85"'),
      ...m('name = "f"', 'mode = "https"', 'local_addr = "x"', 'domain = "bad name"'),
      ...m('mode = "tcp"', 'local_addr = "127.0.0.1:86"', 'send_proxy_protocol = "v3"'),
      ...m('name = "g"', 'mode = "http"', 'local_addr = "127.0.0.1:87"', 'domain = "g.test"'),
      'headers = ["+ X-Ok yes", "* bad rule"]',
      ...m('name = "h"', 'mode = "tcp"', 'local_addr = "127.0.0.1:88"', 'remote_bind = "0.0.0.0"'),
    ),
    [
      'proxy.mappings[1].name: "a" is already used by proxy.mappings[0], expected unique names (line 10)',
      'proxy.mappings[2].mode: "udp" is not a mapping mode, expected "http", "https", "tcp" or "proxy" (line 15)',
      'proxy.mappings[3].local_addr: is missing, expected the local service, host:port such as "127.0.0.1:8080" (line 17)',
      'proxy.mappings[3].domain: "a.test" is already used by proxy.mappings[0], expected unique domains (line 20)',
      'proxy.mappings[5].remote_bind: is missing, and proxy.mappings[4] already takes the server\'s map_tcp_bind, expected a remote_bind such as "0.0.0.0:6001" on all tcp mappings but one (line 25)',
      'proxy.mappings[6].local_addr: "x" is not a valid address, expected host:port such as "127.0.0.1:8080" (line 32)',
      'proxy.mappings[6].domain: "bad name" is not a host name, expected a name such as "example.com" (line 33)',
      "proxy.mappings[7].name: is missing, expected a name for the mapping (line 34)",
      'proxy.mappings[7].send_proxy_protocol: "v3" is not a PROXY protocol version, expected "v1" or "v2" (line 37)',
      'proxy.mappings[8].headers[1]: "* bad rule" is not a header rule, expected a list of rules like ["proxy X-Real-IP {client_ip}", "+ X-By wmproxy", "- Server"] (line 43)',
      'proxy.mappings[9].remote_bind: "0.0.0.0" is not a valid address, expected the server address to listen on, such as "0.0.0.0:6001" (line 48)',
    ],
  );
});

Deno.test("tunnel client: mapping headers are served, but not with send_proxy_protocol", () => {
  const site = (...extra: string[]) => [
    ...BASE,
    "[[proxy.mappings]]",
    'name = "site"',
    'mode = "http"',
    'local_addr = "127.0.0.1:8080"',
    'domain = "app.test"',
    'headers = ["- etag"]',
    ...extra,
  ];
  assert.deepEqual(load(...site()).warnings, []);
  assert.deepEqual(load(...site('send_proxy_protocol = "v1"')).warnings, [
    "proxy.mode: tunnel client: not served in this version, validated and ignored: mapping headers together with send_proxy_protocol (line 2)",
  ]);
});

Deno.test("tunnel client: ts reads domain and ca; TLS off towards a remote server warns", async () => {
  const dir = await tempDir();
  try {
    const { cert } = await selfSignedCertificate(dir.path, "tunnel.example");
    const t = client(...BASE, "ts = true", 'domain = "Tunnel.Example"', `ca = "${cert}"`);
    assert.deepEqual([t.ts, t.domain, t.ca], [true, "tunnel.example", cert]);
    assert.ok(t.ca_pem?.includes("BEGIN CERTIFICATE"));
    assert.deepEqual(errors(...BASE, "ts = true", `ca = "${dir.path}/absent.pem"`), [
      `proxy.ca: "${dir.path}/absent.pem" does not exist, expected a PEM file of certificates (-----BEGIN CERTIFICATE-----) (line 5)`,
    ]);
  } finally {
    await dir.cleanup();
  }
  const remote = ["[proxy]", 'server = ["127.0.0.1:8091", "203.0.113.7:8091"]'];
  assert.deepEqual(warnings(...remote, 'username = "u"', 'password = "p"'), [
    "proxy.server: credentials cross the network in clear; set ts = true (line 2)",
  ]);
  assert.deepEqual(warnings(...remote, "ts = false", 'domain = "x.test"', 'ca = "ca.pem"'), [
    "proxy.domain: only applies with ts = true; ignored (line 4)",
    "proxy.ca: only applies with ts = true; ignored (line 5)",
    "proxy.ts: tunnel traffic crosses the network in clear; set ts = true (line 3)",
  ]);
  assert.deepEqual(warnings(...remote, "ts = true"), []);
});

Deno.test("tunnel client: keys that do not apply are warned about, not errors", () => {
  assert.deepEqual(
    warnings(
      ...BASE,
      'map_http_bind = "0.0.0.0:8001"',
      'allow_ip = "127.0.0.1"',
      "[[proxy.mappings]]",
      'name = "t"',
      'mode = "tcp"',
      'local_addr = "127.0.0.1:22"',
      'domain = "t.test"',
      'headers = ["- Server"]',
      "[[proxy.mappings]]",
      'name = "w"',
      'mode = "http"',
      'local_addr = "127.0.0.1:80"',
      'domain = "w.test"',
      'remote_bind = "0.0.0.0:6000"',
      "colour = 1",
    ),
    [
      'proxy.map_http_bind: only applies to mode = "server"; ignored (line 4)',
      "proxy.allow_ip: only applies with bind_addr (the local proxy); ignored (line 5)",
      "proxy.mappings[0].domain: only applies to http and https mappings; ignored (line 10)",
      "proxy.mappings[0].headers: only applies to http and https mappings; ignored (line 11)",
      "proxy.mappings[1].colour: unknown or unsupported key; ignored (line 18)",
      "proxy.mappings[1].remote_bind: only applies to tcp mappings; ignored (line 17)",
    ],
  );
  // The local proxy: the forward proxy's keys, its OPEN PROXY warning, its address clashes.
  assert.deepEqual(warnings(...BASE, 'bind_addr = "0.0.0.0:8090"', 'flag = "socks5"'), [
    'proxy.bind_addr: OPEN PROXY: "0.0.0.0:8090" is reachable from other machines and needs no credentials; set username/password or allow_ip (line 4)',
  ]);
  assert.deepEqual(
    errors(
      ...BASE,
      'bind_addr = "127.0.0.1:8090"',
      "[[http.server]]",
      'bind_addr = "127.0.0.1:8090"',
    ),
    [
      'http.server[0].bind_addr: "127.0.0.1:8090" is already used by proxy.bind_addr, expected one kind of tcp listener per address (line 6)',
    ],
  );
});

Deno.test("[proxy] without mode or tunnel keys stays the plain forward proxy", () => {
  const { config, warnings } = load(
    "[proxy]",
    'bind_addr = "127.0.0.1:8090"',
    "two_way_tls = true",
    "ts = false",
    'heartbeat_interval = "5s"',
  );
  assert.equal(config.tunnel, null);
  assert.equal(config.proxy?.bind_addr, "127.0.0.1:8090");
  assert.deepEqual(warnings, [
    'proxy.two_way_tls: only applies to a tunnel (mode = "server" or "client"); ignored (line 3)',
    'proxy.heartbeat_interval: only applies to a tunnel (mode = "server" or "client"); ignored (line 5)',
  ]);
});
