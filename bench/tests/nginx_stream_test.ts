import assert from "node:assert/strict";
import { nginxUdpConfig, parseStreamSupport } from "../servers/nginx_stream.ts";

const DEBIAN_V = "nginx version: nginx/1.22.1\nbuilt with OpenSSL 3.0.9\nconfigure arguments: " +
  "--prefix=/usr/share/nginx --modules-path=/usr/lib/nginx/modules --with-stream_ssl_module " +
  "--with-stream=dynamic --with-stream_geoip_module=dynamic";

Deno.test("parseStreamSupport() finds a dynamic module under --modules-path", () => {
  assert.deepEqual(parseStreamSupport(DEBIAN_V), {
    kind: "dynamic",
    path: "/usr/lib/nginx/modules/ngx_stream_module.so",
  });
});

Deno.test("parseStreamSupport() tells a built-in module from a missing one", () => {
  assert.deepEqual(
    parseStreamSupport("configure arguments: --with-stream --with-http_ssl_module"),
    {
      kind: "static",
    },
  );
  assert.deepEqual(parseStreamSupport("configure arguments: --with-stream_ssl_module"), {
    kind: "absent",
  });
});

Deno.test("nginxUdpConfig() loads the module and proxies UDP without a reply limit", () => {
  const route = { listenPort: 4000, upstreamPort: 5000 };
  const text = nginxUdpConfig("/tmp/x", route, { modulePath: "/m/ngx_stream_module.so" });
  assert.match(text, /^load_module \/m\/ngx_stream_module\.so;\n/);
  assert.match(text, /listen 127\.0\.0\.1:4000 udp;/);
  assert.match(text, /proxy_pass 127\.0\.0\.1:5000;/);
  assert.match(text, /worker_processes 1;/);
  assert.doesNotMatch(text, /proxy_responses/);
  assert.doesNotMatch(nginxUdpConfig("/tmp/x", route), /load_module/);
});
