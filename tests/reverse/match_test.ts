import assert from "node:assert/strict";
import { hostName } from "../../lib/http/target.ts";
import {
  LocationTable,
  METHOD_NOT_ALLOWED,
  methodAllowed,
  NO_LOCATION,
  normalizePath,
  ServerTable,
} from "../../lib/reverse/match.ts";
import { location, server, staticBody } from "./_harness.ts";

const ok = staticBody("ok");

Deno.test("LocationTable picks the longest matching prefix, config order among equals", () => {
  const t = new LocationTable([
    location("/", ok),
    location("/api", ok),
    location("/api/v1", ok),
    location("/api", ok),
  ]);
  assert.equal(t.match("/api/v1/users", "GET"), 2);
  assert.equal(t.match("/api/v2", "GET"), 1);
  assert.equal(t.match("/apis", "GET"), 1, "a prefix is a plain string prefix, as in nginx");
  assert.equal(t.match("/other", "GET"), 0);
});

Deno.test("LocationTable lets the first matching regex or glob win over any prefix", () => {
  const t = new LocationTable([
    location("/static", ok),
    location("~ \\.php$", ok),
    location("* /static/**.png", ok),
    location("~ ^/static/", ok),
  ]);
  assert.equal(t.match("/static/a.css", "GET"), 3, "regex beats the longer prefix");
  assert.equal(t.match("/static/img/a.png", "GET"), 2, "the glob comes before the regex");
  assert.equal(t.match("/x/index.php", "GET"), 1);
  assert.equal(t.match("/statics", "GET"), 0, "no pattern matches: the prefix");
  assert.equal(t.match("/nothing", "GET"), NO_LOCATION);
});

Deno.test("LocationTable never matches a named location", () => {
  const t = new LocationTable([location("@ws", ok)]);
  assert.equal(t.match("/", "GET"), NO_LOCATION);
  assert.equal(t.match("@ws", "GET"), NO_LOCATION);
});

Deno.test("LocationTable skips locations whose methods exclude the request's", () => {
  const t = new LocationTable([
    location("/api", ok, { methods: ["POST"] }),
    location("/", ok, { methods: ["GET"] }),
    location("~ ^/api/x", ok, { methods: ["PUT"] }),
  ]);
  assert.equal(t.match("/api/a", "POST"), 0);
  assert.equal(t.match("/api/a", "GET"), 1, "falls back to a shorter prefix that takes GET");
  assert.equal(t.match("/api/a", "HEAD"), 1, "a list with GET accepts HEAD");
  assert.equal(t.match("/api/x", "PUT"), 2);
  assert.equal(t.match("/api/x", "DELETE"), METHOD_NOT_ALLOWED);
  assert.deepEqual(t.allowed("/api/x"), ["GET", "HEAD", "POST", "PUT"]);
});

Deno.test("methodAllowed: null accepts everything, GET implies HEAD", () => {
  assert.equal(methodAllowed(null, "PATCH"), true);
  assert.equal(methodAllowed(["GET"], "HEAD"), true);
  assert.equal(methodAllowed(["POST"], "HEAD"), false);
});

Deno.test("ServerTable matches exact lower-case names and defaults to the first server", () => {
  const t = new ServerTable([
    server(["a.example"], []),
    server(["b.example", "c.example"], []),
    server(["b.example"], []),
  ]);
  assert.equal(t.match("a.example"), 0);
  assert.equal(t.match("c.example"), 1);
  assert.equal(t.match("b.example"), 1, "the first server listing a name wins");
  assert.equal(t.match("unknown.example"), 0);
  assert.equal(t.match(""), 0);
});

Deno.test("ServerTable: a *.name covers one more label; an exact name wins over it", () => {
  const t = new ServerTable([
    server(["default.example"], []),
    server(["*.example.com"], []),
    server(["www.example.com"], []),
  ]);
  assert.equal(t.match("shop.example.com"), 1);
  assert.equal(t.match("www.example.com"), 2);
  assert.equal(t.match("example.com"), 0, "the bare domain is not covered");
  assert.equal(t.match("a.b.example.com"), 0, "only one more label");
});

Deno.test("hostName drops the port and a trailing dot and lower-cases", () => {
  assert.equal(hostName("Example.COM:8080"), "example.com");
  assert.equal(hostName("example.com."), "example.com");
  assert.equal(hostName("example.com.:80"), "example.com");
  assert.equal(hostName("[::1]:8080"), "[::1]");
  assert.equal(hostName("[::1]"), "[::1]");
  assert.equal(hostName("127.0.0.1"), "127.0.0.1");
});

Deno.test("normalizePath decodes, merges slashes and resolves dot segments", () => {
  assert.equal(normalizePath("/a/b"), "/a/b");
  assert.equal(normalizePath("/%61dmin"), "/admin");
  assert.equal(normalizePath("//admin//x"), "/admin/x");
  assert.equal(normalizePath("/./admin/"), "/admin/");
  assert.equal(normalizePath("/x/../admin"), "/admin");
  assert.equal(normalizePath("/x/.."), "/");
  assert.equal(normalizePath("/%2e%2e/admin"), null, "climbing above the root is refused");
  assert.equal(normalizePath("/a%zz"), null, "a bad escape is refused");
  assert.equal(normalizePath("/caf%C3%A9"), "/café");
});
