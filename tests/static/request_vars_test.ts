import assert from "node:assert/strict";
import { TEMPLATE_VARIABLES, VAR_HTTP_HEADER } from "../../lib/http/variables.ts";
import { StaticRequestVars } from "../../lib/static/request_vars.ts";

Deno.test("StaticRequestVars gives a Deno.serve request's variables", () => {
  const req = new Request("http://Example.COM:8080/a%20b?x=1&y", {
    method: "HEAD",
    headers: { "user-agent": "curl" },
  });
  const info = {
    remoteAddr: { transport: "tcp" as const, hostname: "::1", port: 5000 },
    localAddr: { transport: "tcp" as const, hostname: "::1", port: 8080 },
  };
  const vars = new StaticRequestVars(req, info, false);
  const values = Object.fromEntries(
    [...TEMPLATE_VARIABLES].map(([name, code]) => [name, vars.variable(code, "")]),
  );
  assert.deepEqual(values, {
    client_ip: "::1",
    host: "example.com",
    url: "/a%20b?x=1&y",
    path: "/a%20b",
    query: "x=1&y",
    method: "HEAD",
    scheme: "http",
    server_addr: "::1",
    server_port: "8080",
    upstream_addr: "",
  });
  assert.equal(vars.variable(VAR_HTTP_HEADER, "user-agent"), "curl");
  assert.equal(new StaticRequestVars(new Request("https://h/"), info, true).scheme, "https");
});
