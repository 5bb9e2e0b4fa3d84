import assert from "node:assert/strict";
import { HeaderList } from "../../lib/http/headers.ts";
import {
  applyRequestRules,
  applyResponseRules,
  compileHeaderRules,
  headerRuleProblem,
} from "../../lib/reverse/header_rules.ts";
import { compileTemplate, unknownVariables } from "../../lib/reverse/template.ts";
import {
  VAR_CLIENT_IP,
  VAR_HTTP_HEADER,
  VAR_UPSTREAM_ADDR,
  type VariableSource,
} from "../../lib/http/variables.ts";

const source: VariableSource = {
  variable(code, arg) {
    if (code === VAR_CLIENT_IP) return "10.0.0.1";
    if (code === VAR_UPSTREAM_ADDR) return "up:80";
    if (code === VAR_HTTP_HEADER) return `<${arg}>`;
    return `#${code}`;
  },
};

Deno.test("compileTemplate expands variables and keeps unknown words as written", () => {
  const t = compileTemplate("ip={client_ip} ua={http_User_Agent} x={nope} {");
  assert.equal(t.constant, null);
  assert.equal(t.expand(source), "ip=10.0.0.1 ua=<user-agent> x={nope} {");
  assert.equal(compileTemplate("plain").constant, "plain");
  assert.equal(compileTemplate("{upstream_addr}").usesUpstream, true);
  assert.equal(compileTemplate("{client_ip}").usesUpstream, false);
  assert.equal(compileTemplate("a{client_ip}"), compileTemplate("a{client_ip}"), "cached");
});

Deno.test("unknownVariables lists the words that name no variable", () => {
  assert.deepEqual(unknownVariables("{client_ip} {cilent_ip} {http_x} {x}"), ["cilent_ip", "x"]);
});

Deno.test("headerRuleProblem refuses framing fields, bad names and line breaks", () => {
  assert.equal(headerRuleProblem({ op: "add", name: "X-Ok", value: "v" }), null);
  assert.match(headerRuleProblem({ op: "proxy", name: "Content-Length", value: "1" })!, /managed/);
  assert.match(headerRuleProblem({ op: "set", name: "Transfer-Encoding", value: "x" })!, /managed/);
  assert.match(headerRuleProblem({ op: "add", name: "X Bad", value: "v" })!, /not a valid/);
  assert.match(headerRuleProblem({ op: "add", name: "X", value: "a\r\nb" })!, /line break/);
});

Deno.test("compileHeaderRules splits directions and skips refused rules", () => {
  const rules = compileHeaderRules([
    { op: "proxy", name: "X-Real-IP", value: "{client_ip}" },
    { op: "add", name: "X-A", value: "1" },
    { op: "proxy", name: "Connection", value: "close" },
    { op: "remove", name: "Server", value: "" },
  ]);
  assert.deepEqual(rules.request.map((r) => r.name), ["X-Real-IP"]);
  assert.deepEqual(rules.response.map((r) => r.op), ["add", "remove"]);
  assert.deepEqual([...rules.requestNames], ["x-real-ip"]);
});

Deno.test("applyRequestRules sets, replaces and (with an empty value) removes fields", () => {
  const h = new HeaderList([["Accept", "*/*"], ["X-Real-IP", "spoofed"], ["X-Real-IP", "again"]]);
  const rules = compileHeaderRules([
    { op: "proxy", name: "X-Real-IP", value: "{client_ip}" },
    { op: "proxy", name: "Accept", value: "" },
    { op: "proxy", name: "X-New", value: "n" },
  ]);
  applyRequestRules(h, rules.request, source);
  assert.deepEqual([...h], [["X-Real-IP", "10.0.0.1"], ["X-New", "n"]]);
});

Deno.test("applyResponseRules adds, sets and removes in order", () => {
  const h = new HeaderList([["Server", "x"], ["X-A", "old"]]);
  const rules = compileHeaderRules([
    { op: "remove", name: "server", value: "" },
    { op: "set", name: "X-A", value: "new" },
    { op: "add", name: "X-A", value: "more" },
  ]);
  applyResponseRules(h, rules.response, source);
  assert.deepEqual([...h], [["X-A", "new"], ["X-A", "more"]]);
});
