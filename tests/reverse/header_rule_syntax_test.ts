import assert from "node:assert/strict";
import { HeaderRuleError, parseHeaderRule } from "../../lib/reverse/header_rule_syntax.ts";

Deno.test("parseHeaderRule reads each wmproxy form", () => {
  const cases: [string, { op: string; name: string; value: string }][] = [
    ["proxy X-Real-IP {client_ip}", { op: "proxy", name: "X-Real-IP", value: "{client_ip}" }],
    ["proxy + X-Via wmproxy", { op: "proxy", name: "X-Via", value: "wmproxy" }],
    ["proxy ? X-Via wmproxy", { op: "proxy", name: "X-Via", value: "wmproxy" }],
    ["proxy - Accept ''", { op: "proxy", name: "Accept", value: "" }],
    ["+ X-By wmproxy", { op: "add", name: "X-By", value: "wmproxy" }],
    ["- Server", { op: "remove", name: "Server", value: "" }],
    ["? Cache-Control no-store", { op: "set", name: "Cache-Control", value: "no-store" }],
    ["X-Frame-Options DENY", { op: "set", name: "X-Frame-Options", value: "DENY" }],
  ];
  for (const [text, rule] of cases) assert.deepEqual(parseHeaderRule(text), rule, text);
});

Deno.test("parseHeaderRule groups quoted words and splits on any whitespace", () => {
  assert.deepEqual(parseHeaderRule(`+ X-Note 'a b  c'`), {
    op: "add",
    name: "X-Note",
    value: "a b  c",
  });
  assert.deepEqual(parseHeaderRule(`proxy\tX-A  "{http_user_agent} x"`), {
    op: "proxy",
    name: "X-A",
    value: "{http_user_agent} x",
  });
  assert.deepEqual(parseHeaderRule("+ X-Empty ''"), { op: "add", name: "X-Empty", value: "" });
});

Deno.test("parseHeaderRule leaves protected names to the engine (they validate, compile skips them)", () => {
  assert.deepEqual(parseHeaderRule("proxy Connection close"), {
    op: "proxy",
    name: "Connection",
    value: "close",
  });
});

/** The error `text` throws; fails when it parses. */
function refusal(text: string): HeaderRuleError {
  try {
    parseHeaderRule(text);
  } catch (e) {
    assert.ok(e instanceof HeaderRuleError, `${text}: ${e}`);
    return e;
  }
  assert.fail(`${JSON.stringify(text)} parsed`);
}

Deno.test("parseHeaderRule refuses text that is no rule form", () => {
  for (
    const text of [
      "a b c d",
      "",
      "+ X",
      "- X y",
      "? X",
      "proxy X",
      "proxy X a b",
      "+ X a b",
      "proxy * X v",
      "X",
    ]
  ) {
    const e = refusal(text);
    assert.equal(e.fault, "syntax", text);
    assert.equal(e.problem, "is not a header rule");
    assert.equal(e.message, `${JSON.stringify(text)} is not a header rule`);
    assert.equal(e.text, text);
    assert.equal(e.name, "HeaderRuleError");
  }
});

Deno.test("parseHeaderRule refuses a name that is not a token", () => {
  for (
    const [text, name] of [["+ 'X Bad' v", "X Bad"], ["X:Y v", "X:Y"], ["- 'X(1)'", "X(1)"], [
      "proxy é v",
      "é",
    ]]
  ) {
    const e = refusal(text);
    assert.equal(e.fault, "name", text);
    assert.equal(e.problem, `has an invalid header name ${JSON.stringify(name)}`);
    assert.equal(
      e.message,
      `${JSON.stringify(text)} has an invalid header name ${JSON.stringify(name)}`,
    );
  }
});

Deno.test("parseHeaderRule refuses a value with a line break", () => {
  for (const text of ["+ X 'a\r\nb'", "proxy X 'a\nb'", "X 'a\0b'"]) {
    const e = refusal(text);
    assert.equal(e.fault, "value", JSON.stringify(text));
    assert.equal(e.problem, "has a line break in its value");
  }
});
