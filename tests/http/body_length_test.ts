import assert from "node:assert/strict";
import {
  parseContentLength,
  parseTransferEncoding,
  requestBodyLength,
  responseBodyLength,
} from "../../lib/http/body_length.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { HeaderList } from "../../lib/http/headers.ts";

const h = (...fields: [string, string][]) => new HeaderList(fields);

Deno.test("responseBodyLength() has no body after HEAD, for 1xx, 204, 304 and CONNECT 2xx", () => {
  const cl = h(["Content-Length", "10"]);
  assert.equal(responseBodyLength({ status: 200, headers: cl }, "HEAD").kind, "none");
  assert.equal(responseBodyLength({ status: 100, headers: cl }, "GET").kind, "none");
  assert.equal(responseBodyLength({ status: 204, headers: cl }, "GET").kind, "none");
  assert.equal(responseBodyLength({ status: 304, headers: cl }, "GET").kind, "none");
  assert.equal(responseBodyLength({ status: 200, headers: cl }, "CONNECT").kind, "none");
  assert.equal(responseBodyLength({ status: 407, headers: cl }, "CONNECT").kind, "length");
});

Deno.test("responseBodyLength() prefers chunked, then Content-Length, else reads until close", () => {
  const te = h(["Transfer-Encoding", "gzip, chunked"], ["Content-Length", "4"]);
  assert.deepEqual(responseBodyLength({ status: 200, headers: te }, "GET"), { kind: "chunked" });
  const gzip = h(["Transfer-Encoding", "gzip"]);
  assert.deepEqual(responseBodyLength({ status: 200, headers: gzip }, "GET"), { kind: "close" });
  const cl = h(["Content-Length", "4"]);
  assert.deepEqual(responseBodyLength({ status: 200, headers: cl }, "GET"), {
    kind: "length",
    length: 4,
  });
  assert.deepEqual(responseBodyLength({ status: 200, headers: h() }, "GET"), { kind: "close" });
  const zero = h(["Content-Length", "0"]);
  assert.deepEqual(responseBodyLength({ status: 200, headers: zero }, "GET"), { kind: "none" });
});

Deno.test("responseBodyLength() throws 502 for a bad upstream Content-Length", () => {
  for (const v of ["abc", "1, 2", "-3"]) {
    assert.throws(
      () => responseBodyLength({ status: 200, headers: h(["Content-Length", v]) }, "GET"),
      (e) => e instanceof HttpError && e.status === 502,
    );
  }
});

Deno.test("requestBodyLength() is none, length or chunked, and never ambiguous", () => {
  assert.equal(requestBodyLength(h(), "HTTP/1.1").kind, "none");
  assert.deepEqual(requestBodyLength(h(["content-length", "12"]), "HTTP/1.0"), {
    kind: "length",
    length: 12,
  });
  assert.equal(requestBodyLength(h(["transfer-encoding", "chunked"]), "HTTP/1.1").kind, "chunked");
  assert.throws(
    () =>
      requestBodyLength(h(["transfer-encoding", "chunked"], ["content-length", "1"]), "HTTP/1.1"),
    HttpError,
  );
});

Deno.test("parseContentLength() is undefined without the field and takes equal repeats", () => {
  assert.equal(parseContentLength(h()), undefined);
  assert.equal(parseContentLength(h(["Content-Length", "3, 3"], ["Content-Length", "3"])), 3);
  assert.equal(parseContentLength(h(["Content-Length", "999999999999999"])), 999999999999999);
  assert.throws(() => parseContentLength(h(["Content-Length", "1000000000000000"])), HttpError);
});

Deno.test("parseTransferEncoding() lists codings lower case and ignores parameters", () => {
  assert.deepEqual(parseTransferEncoding(h(["TE-x", "y"])), []);
  assert.deepEqual(
    parseTransferEncoding(h(["Transfer-Encoding", "GZIP;q=1, , Chunked"])),
    ["gzip", "chunked"],
  );
  assert.throws(() => parseTransferEncoding(h(["Transfer-Encoding", ","])), HttpError);
  assert.throws(() => parseTransferEncoding(h(["Transfer-Encoding", "chunked, gzip"])), HttpError);
});
