import assert from "node:assert/strict";
import { ConfigErrors } from "../../lib/config/errors.ts";
import { listenerSpecs } from "../../lib/config/listeners.ts";
import { loadConfigText } from "../../lib/config/load.ts";

function errorsOf(source: string): string[] {
  try {
    loadConfigText(source);
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  return [];
}

Deno.test("proxy_protocol / send_proxy_protocol: listener specs carry them, stream and upstream options too", () => {
  const { config } = loadConfigText(`
[proxy]
bind_addr = "127.0.0.1:8090"
proxy_protocol = true
[[http.upstream]]
name = "u"
send_proxy_protocol = "V2"
server = [{ addr = "127.0.0.1:1" }]
[[http.server]]
bind_addr = "127.0.0.1:8080"
proxy_protocol = true
[[stream.server]]
bind_addr = "127.0.0.1:9000"
proxy_url = "tcp://127.0.0.1:7000"
send_proxy_protocol = "v1"
`);
  assert.deepEqual(listenerSpecs(config).map((s) => [s.name, s.proxy_protocol]), [
    ["proxy", true],
    ["http 127.0.0.1:8080", true],
    ["stream.server[0]", false],
  ]);
  assert.equal(config.http!.upstream[0].send_proxy_protocol, "v2");
  assert.equal(config.stream.server[0].send_proxy_protocol, "v1");
});

Deno.test("proxy_protocol: refused on servers of one address that disagree, and a bad version", () => {
  const errors = errorsOf(`
[[http.server]]
bind_addr = "127.0.0.1:8080"
proxy_protocol = true
[[http.server]]
bind_addr = "127.0.0.1:8080"
server_name = "b"
[[stream.server]]
bind_addr = "127.0.0.1:9000"
proxy_url = "tcp://127.0.0.1:7000"
send_proxy_protocol = "v3"
`);
  assert.ok(
    errors.some((m) => /http\.server\[1\]\.proxy_protocol.*shared with http\.server\[0\]/.test(m)),
    errors.join("\n"),
  );
  assert.ok(
    errors.some((m) => /send_proxy_protocol: "v3" is not a PROXY protocol version/.test(m)),
    errors.join("\n"),
  );
});
