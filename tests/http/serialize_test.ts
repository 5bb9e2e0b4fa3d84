import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { HeaderList } from "../../lib/http/headers.ts";
import { parseRequestHead } from "../../lib/http/request_head.ts";
import { parseResponseHead } from "../../lib/http/response_head.ts";
import { serializeRequestHead, serializeResponseHead } from "../../lib/http/serialize.ts";

Deno.test("serializeRequestHead() writes the request line, fields and the empty line", () => {
  const headers = new HeaderList([["Host", "h:1"], ["X-A", "b"]]);
  const out = serializeRequestHead({ method: "GET", target: "/p?q", headers });
  assert.equal(decoder.decode(out), "GET /p?q HTTP/1.1\r\nHost: h:1\r\nX-A: b\r\n\r\n");
  const back = parseRequestHead(out);
  assert.deepEqual([...back.headers], [...headers]);
});

Deno.test("serializeResponseHead() round-trips obs-text byte for byte", () => {
  const headers = new HeaderList([["X-Latin", "caf\u00e9 \u0080"]]);
  const out = serializeResponseHead({ status: 200, reason: "OK", headers });
  const line = String.fromCharCode(...out).split("\r\n")[1];
  assert.equal(line, "X-Latin: caf\u00e9 \u0080");
  assert.equal(out.length, "HTTP/1.1 200 OK\r\nX-Latin: caf\u00e9 \u0080\r\n\r\n".length);
  assert.equal(parseResponseHead(out).headers.get("x-latin"), "caf\u00e9 \u0080");
});

Deno.test("serialize refuses parts that would split the message", () => {
  const bad = (f: () => unknown) =>
    assert.throws(f, (e) => e instanceof HttpError && e.status === 500);
  const h = (name: string, value: string) => new HeaderList([[name, value]]);
  bad(() => serializeRequestHead({ method: "GET", target: "/", headers: h("X", "a\r\nY: b") }));
  bad(() => serializeRequestHead({ method: "GET", target: "/", headers: h("X", "a\nb") }));
  bad(() => serializeRequestHead({ method: "GET", target: "/", headers: h("X:", "a") }));
  bad(() => serializeRequestHead({ method: "GET", target: "/", headers: h("X", "\u0100") }));
  bad(() => serializeRequestHead({ method: "GET", target: "/ x", headers: h("X", "a") }));
  bad(() => serializeRequestHead({ method: "G T", target: "/", headers: h("X", "a") }));
  bad(() => serializeResponseHead({ status: 200, reason: "OK\r\n", headers: h("X", "a") }));
  bad(() => serializeResponseHead({ status: 42, reason: "OK", headers: h("X", "a") }));
});
