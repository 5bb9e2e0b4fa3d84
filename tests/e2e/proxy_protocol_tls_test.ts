// proxy_protocol = true on a bind_ssl address: the PROXY header comes in clear before the TLS
// handshake. In front of us: HAProxy (`ssl verify none send-proxy-v2`, connecting from
// 127.0.0.1 for a client on 127.0.0.2) and curl itself (`--haproxy-protocol` with an https
// URL, from 127.0.0.2). We relay to a private TLS socket on 127.0.0.1, so a {client_ip} of
// 127.0.0.2 shows the header's address reached the engine.
import assert from "node:assert/strict";
import { curl } from "../_support/curl.ts";
import { closeQuietly, readToEnd, writeAll } from "../_support/io.ts";
import { makePki } from "../_support/pki.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { control, startInstance } from "../_support/process.ts";
import { startHaproxy } from "../_support/haproxy.ts";
import { tempDir } from "../_support/temp.ts";
import { eventually } from "../_support/wait.ts";

const CLIENT = "127.0.0.2";

Deno.test("proxy_protocol on bind_ssl: HAProxy send-proxy-v2 + ssl and curl --haproxy-protocol over https", async () => {
  const dir = await tempDir();
  const pki = await makePki(dir.path, [["a.test"], ["b.test"]]);
  const [a, b] = [pki.leaves["a.test"], pki.leaves["b.test"]];
  const p = { tls: freePort(), hap: freePort(), ctl: freePort() };
  const config = (pp: boolean) => `
control = "127.0.0.1:${p.ctl}"
[[http.server]]
bind_ssl = "127.0.0.1:${p.tls}"
server_name = "a.test"
cert = "${a.certFile}"
key = "${a.keyFile}"
proxy_protocol = ${pp}
[[http.server.location]]
rule = "/"
static_response = "a saw {client_ip} {scheme}"
[[http.server]]
bind_ssl = "127.0.0.1:${p.tls}"
server_name = "b.test"
cert = "${b.certFile}"
key = "${b.keyFile}"
proxy_protocol = ${pp}
[[http.server.location]]
rule = "/"
static_response = "b saw {client_ip} {scheme}"
`;
  const haproxy = await startHaproxy(
    dir.path,
    ["mode http"],
    `frontend in
  bind 127.0.0.1:${p.hap}
  default_backend us
backend us
  server s 127.0.0.1:${p.tls} ssl verify none sni str(b.test) send-proxy-v2
`,
  );
  const inst = await startInstance(dir.path, config(true));
  const https = (name: string, ...args: string[]) =>
    curl([
      "--interface",
      CLIENT,
      "--cacert",
      pki.caFile,
      "--resolve",
      `${name}:${p.tls}:127.0.0.1`,
      ...args,
      `https://${name}:${p.tls}/`,
    ]);
  try {
    await eventually(async () => !(await refuses(p.hap)), 10_000, "HAProxy to listen");
    // HAProxy: v2 header, then its TLS (SNI b.test) to us.
    const viaHap = await curl([
      "--interface",
      CLIENT,
      "-H",
      "Host: b.test",
      `http://127.0.0.1:${p.hap}/`,
    ]);
    assert.equal(viaHap.stdout, `b saw ${CLIENT} https`, viaHap.stderr);
    // curl: v1 header, then TLS; the certificate is chosen by SNI and verified.
    for (const name of ["a.test", "b.test"]) {
      const r = await https(name, "--haproxy-protocol");
      assert.equal(r.stdout, `${name[0]} saw ${CLIENT} https`, r.stderr);
    }
    // Keep-alive: a second request on the same connection.
    const twice = await https(
      "a.test",
      "--haproxy-protocol",
      "-o",
      "/dev/null",
      "-o",
      "/dev/null",
      "-w",
      "%{num_connects}%{http_code} ",
      `https://a.test:${p.tls}/`,
    );
    assert.equal(twice.stdout, "1200 0200 ", twice.stderr);

    // No header: a TLS client's connection is closed, with one log line.
    let from = inst.lines.length;
    const plainTls = await https("a.test", "-m", "10");
    assert.notEqual(plainTls.code, 0);
    await inst.waitFor(/proxy-protocol: .*; closed/, from);
    assert.equal(inst.lines.slice(from).filter((l) => /proxy-protocol/.test(l)).length, 1);
    // Nor does plain HTTP get an answer.
    from = inst.lines.length;
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.tls });
    await writeAll(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await readToEnd(conn, 10_000)).length, 0, "nothing answered");
    closeQuietly(conn);
    await inst.waitFor(/proxy-protocol: .*; closed/, from);

    // Reload without proxy_protocol: plain TLS again; and back.
    await Deno.writeTextFile(inst.configPath, config(false));
    assert.equal((await control(`http://127.0.0.1:${p.ctl}`, "reload")).status, 200);
    await eventually(
      async () => (await https("a.test")).stdout === `a saw ${CLIENT} https`,
      10_000,
      "TLS without a header after the reload",
    );
    await Deno.writeTextFile(inst.configPath, config(true));
    assert.equal((await control(`http://127.0.0.1:${p.ctl}`, "reload")).status, 200);
    await eventually(
      async () => (await https("b.test", "--haproxy-protocol")).stdout === `b saw ${CLIENT} https`,
      10_000,
      "the header read again after the reload",
    );
  } finally {
    await inst.kill();
    await haproxy.stop();
    await dir.cleanup();
  }
});
