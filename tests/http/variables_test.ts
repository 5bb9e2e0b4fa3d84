import assert from "node:assert/strict";
import { requestVariable, TEMPLATE_VARIABLES, VAR_HTTP_HEADER } from "../../lib/http/variables.ts";

const facts = {
  clientIp: "10.0.0.1",
  host: "example.com",
  target: "/a/b?x=1",
  path: "/a/b",
  query: "x=1",
  method: "GET",
  scheme: "https",
  serverAddr: "127.0.0.1",
  serverPort: 8443,
  upstreamAddr: "up:80",
  header: (name: string) => (name === "user-agent" ? "curl" : ""),
};

Deno.test("requestVariable reads every named variable and request headers", () => {
  const values = Object.fromEntries(
    [...TEMPLATE_VARIABLES].map(([name, code]) => [name, requestVariable(facts, code, "")]),
  );
  assert.deepEqual(values, {
    client_ip: "10.0.0.1",
    host: "example.com",
    url: "/a/b?x=1",
    path: "/a/b",
    query: "x=1",
    method: "GET",
    scheme: "https",
    server_addr: "127.0.0.1",
    server_port: "8443",
    upstream_addr: "up:80",
  });
  assert.equal(requestVariable(facts, VAR_HTTP_HEADER, "user-agent"), "curl");
  assert.equal(requestVariable(facts, VAR_HTTP_HEADER, "x-none"), "");
  assert.equal(requestVariable(facts, 99, ""), "");
});
