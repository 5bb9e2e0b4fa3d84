import assert from "node:assert/strict";
import { type HttpListenerSpec, listenerSpecs } from "../../lib/config/listeners.ts";
import { loadConfigText } from "../../lib/config/load.ts";
import { reverseOptions } from "../../lib/server/reverse_options.ts";

Deno.test("reverseOptions: max_read_buf, https:// upstreams and TLS addresses reach the engine", () => {
  const { config } = loadConfigText(`
[http]
max_read_buf = 2048
[[http.server]]
bind_addr = "127.0.0.1:8088"
[[http.server.location]]
rule = "/tls"
proxy_url = "https://127.0.0.1:8443"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:8080"
max_read_buf = 4096
`);
  const spec = listenerSpecs(config)[0] as HttpListenerSpec;
  const options = reverseOptions(spec.settings);
  assert.equal(options.tls, false);
  const [tls, plain] = options.servers[0].locations;
  assert.equal(tls.maxReadBuf, 2048, "inherited from [http]");
  assert.equal(plain.maxReadBuf, 4096);
  assert.ok(tls.action.kind === "proxy" && plain.action.kind === "proxy");
  assert.deepEqual(tls.action.upstream.tls, {});
  assert.equal(plain.action.upstream.tls, null);
});
