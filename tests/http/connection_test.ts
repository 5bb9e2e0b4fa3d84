import assert from "node:assert/strict";
import { endToEndHeaders, wantsKeepAlive } from "../../lib/http/connection.ts";
import { HeaderList, listTokens } from "../../lib/http/headers.ts";

Deno.test("endToEndHeaders() drops hop-by-hop fields and those Connection names", () => {
  const headers = new HeaderList([
    ["Host", "h"],
    ["Connection", "X-Private, keep-alive"],
    ["connection", "Upgrade"],
    ["X-Private", "secret"],
    ["Keep-Alive", "timeout=5"],
    ["Proxy-Connection", "keep-alive"],
    ["Proxy-Authorization", "Basic eDp5"],
    ["TE", "trailers"],
    ["Trailer", "X-T"],
    ["Upgrade", "websocket"],
    ["Transfer-Encoding", "chunked"],
    ["X-Kept", "1"],
  ]);
  assert.deepEqual([...endToEndHeaders(headers)], [
    ["Host", "h"],
    ["Transfer-Encoding", "chunked"],
    ["X-Kept", "1"],
  ]);
});

Deno.test("wantsKeepAlive() follows RFC 9112 persistence for 1.0 and 1.1", () => {
  const c = (v?: string) => new HeaderList(v === undefined ? [] : [["Connection", v]]);
  assert.equal(wantsKeepAlive("HTTP/1.1", c()), true);
  assert.equal(wantsKeepAlive("HTTP/1.1", c("Close")), false);
  assert.equal(wantsKeepAlive("HTTP/1.1", c("foo, close")), false);
  assert.equal(wantsKeepAlive("HTTP/1.0", c()), false);
  assert.equal(wantsKeepAlive("HTTP/1.0", c("Keep-Alive")), true);
});

Deno.test("HeaderList keeps order and case, looks up case-insensitively", () => {
  const h = new HeaderList([["A", "1"], ["b", "2"], ["a", "3"]]);
  assert.deepEqual(h.getAll("a"), ["1", "3"]);
  assert.equal(h.count("A"), 2);
  h.set("B", "x");
  h.set("A", "y");
  assert.deepEqual([...h], [["A", "y"], ["B", "x"]]);
  assert.equal(h.delete("a"), 1);
  assert.equal(h.has("A"), false);
  assert.deepEqual(listTokens(new HeaderList([["C", " a ,,B"], ["c", "c"]]), "c"), ["a", "b", "c"]);
});
