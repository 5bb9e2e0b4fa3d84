import assert from "node:assert/strict";
import { ConfigErrors } from "../../lib/config/errors.ts";
import { loadConfigText } from "../../lib/config/load.ts";

function toml(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

function errors(source: string): string[] {
  try {
    loadConfigText(source);
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    return e.errors.map((x) => x.message);
  }
  assert.fail("the config was accepted");
}

Deno.test("validate() keeps a file_server location with wmproxy's defaults and the server's root", () => {
  const { config, warnings } = loadConfigText(toml(
    "[[http.server]]",
    'bind_addr = "127.0.0.1:8080"',
    'root = "/srv/www"',
    "[[http.server.location]]",
    'rule = "/static/"',
    "file_server = { browse = true }",
    "[[http.server.location]]",
    'rule = "/docs"',
    'root = "/srv/docs"',
    'file_server = { index = "README.html", cache_time = "1h", cors = true, path404 = "404.html", robots = "User-agent: *", ext_mimetype = { md = "text/markdown" }, precompressed = ["gzip"], open_file_cache = 10, open_file_cache_valid = "250ms", open_file_cache_max_file = "16k", open_file_cache_size = "1m" }',
    'try_paths = "{path} {path}.html =410"',
  ));
  assert.deepEqual(warnings, []);
  const [a, b] = config.http!.server[0].location;
  assert.deepEqual(a.file_server, {
    root: "/srv/www",
    prefix: "/static",
    index: ["index.html", "index.htm"],
    browse: true,
    ext_mimetype: {},
    default_mimetype: "application/octet-stream",
    cache_time: null,
    cors: false,
    path404: null,
    robots: null,
    hide: [],
    status: 404,
    precompressed: ["br", "gzip"],
    open_file_cache: 1024,
    open_file_cache_valid: 1,
    open_file_cache_max_file: 1048576,
    open_file_cache_size: 33554432,
  });
  assert.equal(a.try_paths, null);
  const fs = b.file_server!;
  assert.deepEqual(
    [fs.root, fs.prefix, fs.index, fs.cache_time, fs.cors, fs.path404, fs.robots],
    ["/srv/docs", "/docs", ["README.html"], 3600, true, "404.html", "User-agent: *"],
  );
  assert.deepEqual(fs.ext_mimetype, { md: "text/markdown" });
  assert.deepEqual(fs.precompressed, ["gzip"]);
  assert.deepEqual(
    [
      fs.open_file_cache,
      fs.open_file_cache_valid,
      fs.open_file_cache_max_file,
      fs.open_file_cache_size,
    ],
    [10, 0.25, 16384, 1048576],
  );
  assert.equal(b.try_paths, "{path} {path}.html =410");
});

Deno.test("validate() reports bad file_server and try_paths values with key path and line", () => {
  const got = errors(toml(
    "[[http.server]]",
    'bind_addr = "127.0.0.1:8080"',
    "[[http.server.location]]",
    'rule = "/a"',
    'file_server = { browse = "yes", precompressed = "zstd", ext_mimetype = { md = 3 } }',
    "[[http.server.location]]",
    'rule = "/b"',
    "file_server = 1",
    "[[http.server.location]]",
    'rule = "/c"',
    "file_server = {}",
    "try_paths = \"'/x {path} /y' =abc\"",
  ));
  assert.deepEqual(got, [
    'http.server[0].location[0].file_server.ext_mimetype.md: 3 is not a MIME type, expected "text/plain" (line 5)',
    'http.server[0].location[0].file_server.precompressed: "zstd" is not a precompressed encoding, expected "br" or "gzip" (line 5)',
    'http.server[0].location[0].file_server.browse: "yes" is not a boolean, expected true or false (line 5)',
    "http.server[0].location[1].file_server: 1 is not a table, expected a table like { browse = true } (line 8)",
    `http.server[0].location[2].try_paths: "'/x {path} /y' =abc" has "=abc", not a status like "=404", expected candidate paths like "{path} {path}/ '/a(.*) {path} /b$1' =404" (line 12)`,
  ]);
  const regex = errors(toml(
    "[[http.server]]",
    'bind_addr = "127.0.0.1:8080"',
    "[[http.server.location]]",
    "file_server = {}",
    "try_paths = \"'/x( {path} /y'\"",
  ));
  assert.match(regex[0], /try_paths: .* has "\/x\(", not a valid regular expression.*\(line 5\)$/);
});

Deno.test("validate() warns about try_paths without a file_server and ignores it", () => {
  const { config, warnings } = loadConfigText(toml(
    "[[http.server]]",
    'bind_addr = "127.0.0.1:8080"',
    "[[http.server.location]]",
    'static_response = "hi"',
    'try_paths = "{path}"',
  ));
  assert.deepEqual(warnings, [
    "http.server[0].location[0].try_paths: try_paths needs a file_server in the same location; ignored (line 5)",
  ]);
  assert.equal(config.http!.server[0].location[0].try_paths, null);
});
