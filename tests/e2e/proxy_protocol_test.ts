// PROXY protocol on listeners and upstreams, against independent peers on loopback: HAProxy
// (`send-proxy`, `send-proxy-v2`) and nginx stream (`proxy_protocol on`) in front of us; nginx
// (`listen ... proxy_protocol`) and HAProxy (`accept-proxy`) behind us. The client connects
// from 127.0.0.2 (curl --interface), so the address each hop reports is the client's only when
// the headers carried it through.
import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { closeQuietly, readToEnd, writeAll } from "../_support/io.ts";
import { startHaproxy } from "../_support/haproxy.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

const CLIENT = "127.0.0.2";

function spawn(cmd: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "inherit" }).spawn();
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // gone
  }
  await child.status;
}

async function get(url: string, ...args: string[]): Promise<string> {
  const r = await curl(["--interface", CLIENT, ...args, url]);
  assert.equal(r.code, 0, `curl ${url}: ${r.stderr}`);
  return r.stdout;
}

Deno.test("proxy_protocol / send_proxy_protocol: HAProxy and nginx on both sides see the real client", async () => {
  const dir = await tempDir();
  const p = {
    nginxV1: freePort(), // nginx http, listen proxy_protocol (gets our stream's v1)
    nginxV2: freePort(), // nginx http, listen proxy_protocol (gets our http upstream's v2)
    nginxPlain: freePort(), // nginx http, no header (a forward-proxy target)
    nginxStream: freePort(), // nginx stream, proxy_protocol on, in front of our http server
    hapToStream: freePort(), // HAProxy send-proxy-v2 -> our stream server
    hapToHttp: freePort(), // HAProxy send-proxy -> our http server
    hapToProxy: freePort(), // HAProxy send-proxy -> our [proxy]
    hapBehind: freePort(), // HAProxy accept-proxy, answers with the source it was told
    stream: freePort(), // ours: proxy_protocol, send v1 to nginx
    streamOut: freePort(), // ours: no header in, send v2 to HAProxy accept-proxy
    http: freePort(), // ours: proxy_protocol; /ip static, / to an upstream sending v2
    proxy: freePort(), // ours: [proxy] with proxy_protocol and allow_ip = CLIENT
  };
  await Deno.mkdir(`${dir.path}/nginx`);
  await Deno.writeTextFile(
    `${dir.path}/nginx.conf`,
    `daemon off;
pid ${dir.path}/nginx/nginx.pid;
error_log ${dir.path}/nginx/error.log;
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
events {}
http {
  access_log off;
  client_body_temp_path ${dir.path}/nginx/body;
  proxy_temp_path ${dir.path}/nginx/proxy;
  fastcgi_temp_path ${dir.path}/nginx/fastcgi;
  uwsgi_temp_path ${dir.path}/nginx/uwsgi;
  scgi_temp_path ${dir.path}/nginx/scgi;
  server { listen 127.0.0.1:${p.nginxV1} proxy_protocol; return 200 "nginx saw $proxy_protocol_addr"; }
  server { listen 127.0.0.1:${p.nginxV2} proxy_protocol; return 200 "nginx saw $proxy_protocol_addr"; }
  server { listen 127.0.0.1:${p.nginxPlain}; return 200 "plain"; }
}
stream {
  server { listen 127.0.0.1:${p.nginxStream}; proxy_pass 127.0.0.1:${p.http}; proxy_protocol on; }
}
`,
  );
  const nginx = spawn("nginx", [
    "-e",
    "stderr",
    "-p",
    `${dir.path}/nginx`,
    "-c",
    `${dir.path}/nginx.conf`,
  ]);
  const haproxy = await startHaproxy(
    dir.path,
    [],
    `frontend to_stream
  mode tcp
  bind 127.0.0.1:${p.hapToStream}
  default_backend to_stream
backend to_stream
  mode tcp
  server s 127.0.0.1:${p.stream} send-proxy-v2
frontend to_http
  mode tcp
  bind 127.0.0.1:${p.hapToHttp}
  default_backend to_http
backend to_http
  mode tcp
  server s 127.0.0.1:${p.http} send-proxy
frontend to_proxy
  mode tcp
  bind 127.0.0.1:${p.hapToProxy}
  default_backend to_proxy
backend to_proxy
  mode tcp
  server s 127.0.0.1:${p.proxy} send-proxy
frontend behind
  mode http
  bind 127.0.0.1:${p.hapBehind} accept-proxy
  http-request return status 200 content-type text/plain lf-string "haproxy saw %[src]"
`,
  );
  const inst = await startInstance(
    dir.path,
    `
[proxy]
bind_addr = "127.0.0.1:${p.proxy}"
flag = "http"
proxy_protocol = true
allow_ip = ["${CLIENT}/32"]

[[http.upstream]]
name = "pp"
send_proxy_protocol = "v2"
server = [{ addr = "127.0.0.1:${p.nginxV2}" }]

[[http.server]]
bind_addr = "127.0.0.1:${p.http}"
proxy_protocol = true
[[http.server.location]]
rule = "/ip"
static_response = "we saw {client_ip}"
[[http.server.location]]
rule = "/"
proxy_url = "http://pp"

[[stream.server]]
bind_addr = "127.0.0.1:${p.stream}"
proxy_url = "tcp://127.0.0.1:${p.nginxV1}"
proxy_protocol = true
send_proxy_protocol = "v1"

[[stream.server]]
bind_addr = "127.0.0.1:${p.streamOut}"
proxy_url = "tcp://127.0.0.1:${p.hapBehind}"
send_proxy_protocol = "v2"
`,
  );
  try {
    for (const port of [p.nginxStream, p.hapBehind, p.hapToHttp]) {
      await eventually(async () => !(await refuses(port)), 10_000, `port ${port} to listen`);
    }
    // HAProxy v2 -> our stream (reads it) -> v1 -> nginx.
    assert.equal(await get(`http://127.0.0.1:${p.hapToStream}/`), `nginx saw ${CLIENT}`);
    // HAProxy v1 -> our http server: {client_ip} is the header's.
    assert.equal(await get(`http://127.0.0.1:${p.hapToHttp}/ip`), `we saw ${CLIENT}`);
    // ... and its upstream gets it as v2, on a connection of its own each time.
    for (let i = 0; i < 3; i++) {
      assert.equal(await get(`http://127.0.0.1:${p.hapToHttp}/`), `nginx saw ${CLIENT}`);
    }
    // nginx stream proxy_protocol on -> our http server.
    assert.equal(await get(`http://127.0.0.1:${p.nginxStream}/ip`), `we saw ${CLIENT}`);
    // Our stream sends v2 to HAProxy accept-proxy.
    assert.equal(await get(`http://127.0.0.1:${p.streamOut}/`), `haproxy saw ${CLIENT}`);
    // [proxy]: allow_ip checks the header's address (HAProxy itself connects from 127.0.0.1).
    assert.equal(
      await get(`http://127.0.0.1:${p.nginxPlain}/`, "-x", `http://127.0.0.1:${p.hapToProxy}`),
      "plain",
    );
    const refused = await curl([
      "--interface",
      "127.0.0.3",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-x",
      `http://127.0.0.1:${p.hapToProxy}`,
      `http://127.0.0.1:${p.nginxPlain}/`,
    ]);
    assert.notEqual(refused.stdout, "200");

    // No header: the connection is closed, with one log line.
    for (const [port, version] of [[p.stream, "stream"], [p.http, "http"]] as const) {
      const from = inst.lines.length;
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await writeAll(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await readToEnd(conn, 10_000)).length, 0, `${version}: nothing answered`);
      closeQuietly(conn);
      await inst.waitFor(/proxy-protocol: .*; closed/, from);
      assert.equal(inst.lines.slice(from).filter((l) => /proxy-protocol/.test(l)).length, 1);
    }
  } finally {
    await inst.kill();
    await haproxy.stop();
    await stop(nginx);
    await dir.cleanup();
  }
});
