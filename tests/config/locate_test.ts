import assert from "node:assert/strict";
import { findLine, formatKeyPath, indexLines, locateLine } from "../../lib/config/locate.ts";

const REFERENCE = new URL("../../../shared/reference/wmproxy/", import.meta.url);

function readReference(name: string): Promise<string> {
  return Deno.readTextFile(new URL(name, REFERENCE));
}

// Joins lines so each test's expected line numbers can be read off the array index + 1.
function toml(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

Deno.test("formatKeyPath() writes keys with dots and indices in brackets", () => {
  assert.equal(formatKeyPath(["stream", "server", 1, "bind_addr"]), "stream.server[1].bind_addr");
  assert.equal(
    formatKeyPath(["stream", "upstream", 0, "server", 2, "addr"]),
    "stream.upstream[0].server[2].addr",
  );
  assert.equal(formatKeyPath(["control"]), "control");
  assert.equal(formatKeyPath([]), "");
});

Deno.test("formatKeyPath() quotes keys that are not bare", () => {
  assert.equal(formatKeyPath(["http", "x.y", "a b"]), 'http."x.y"."a b"');
});

Deno.test("locateLine() skips comments and blank lines", () => {
  const source = toml(
    "# leading comment",
    "",
    'control = "127.0.0.1:8837" # trailing comment',
    "",
    "  # indented comment",
    "[proxy] # comment after a header",
    "",
    'bind_addr = "0.0.0.0:8090"',
  );
  assert.equal(locateLine(source, ["control"]), 3);
  assert.equal(locateLine(source, ["proxy"]), 6);
  assert.equal(locateLine(source, ["proxy", "bind_addr"]), 8);
});

Deno.test("locateLine() finds a key inside the second [[stream.server]]", () => {
  const source = toml(
    "[stream]",
    "[[stream.server]]",
    'bind_addr = "0.0.0.0:83"',
    "",
    "[[stream.server]]",
    'bind_addr = "0.0.0.0:85"',
  );
  assert.equal(locateLine(source, ["stream", "server", 0, "bind_addr"]), 3);
  assert.equal(locateLine(source, ["stream", "server", 1]), 5);
  assert.equal(locateLine(source, ["stream", "server", 1, "bind_addr"]), 6);
  assert.equal(locateLine(source, ["stream", "server"]), 2);
  assert.equal(locateLine(source, ["stream"]), 1);
});

Deno.test("locateLine() restarts a sub-array's index for each [[http.server]] element", () => {
  const source = toml(
    "[[http.server]]",
    'bind_addr = "0.0.0.0:81"',
    "[[http.server.location]]",
    'rule = "/a"',
    "[[http.server.location]]",
    'rule = "/b"',
    "[[http.server]]",
    'bind_addr = "0.0.0.0:82"',
    "[[http.server.location]]",
    'rule = "/c"',
    "[http.server.tls]",
    'cert = "c.pem"',
  );
  assert.equal(locateLine(source, ["http", "server", 0, "location", 1, "rule"]), 6);
  assert.equal(locateLine(source, ["http", "server", 1, "bind_addr"]), 8);
  assert.equal(locateLine(source, ["http", "server", 1, "location", 0]), 9);
  assert.equal(locateLine(source, ["http", "server", 1, "location", 0, "rule"]), 10);
  assert.equal(locateLine(source, ["http", "server", 1, "tls", "cert"]), 12);
});

Deno.test("locateLine() finds keys under a [table] header", () => {
  const source = toml("[http]", "max_read_buf = 1024", "", "[http.log_format]", 'main = "{url}"');
  assert.equal(locateLine(source, ["http", "log_format"]), 4);
  assert.equal(locateLine(source, ["http", "log_format", "main"]), 5);
  assert.equal(locateLine(source, ["http", "max_read_buf"]), 2);
});

Deno.test("locateLine() understands dotted and quoted keys with spaces around dots", () => {
  const source = toml(
    "a.b = 1",
    '"x.y" = 2',
    '[http . "log_names"]',
    "access = 'logs/access.log'",
    "[ 'quoted table' . inner ]",
    'site . "host name" = 3',
    '"esc\\"aped" = 4',
  );
  assert.equal(locateLine(source, ["a", "b"]), 1);
  assert.equal(locateLine(source, ["a"]), 1);
  assert.equal(locateLine(source, ["x.y"]), 2);
  assert.equal(locateLine(source, ["x"]), undefined);
  assert.equal(locateLine(source, ["http", "log_names", "access"]), 4);
  assert.equal(locateLine(source, ["quoted table", "inner", "site", "host name"]), 6);
  assert.equal(locateLine(source, ["quoted table", "inner", 'esc"aped']), 7);
});

Deno.test("locateLine() finds elements and keys of inline tables in a multi-line array", () => {
  const source = toml(
    "[[stream.upstream]]",
    'name = "server"',
    "server = [",
    '  { addr = "127.0.0.1:8080", fail_timeout = 30 },',
    "  # a comment",
    '  { addr = "127.0.0.1:8081" },',
    "]",
    "weights = { a = [1, 2],",
    "  b = { c = 3 } }",
  );
  assert.equal(locateLine(source, ["stream", "upstream", 0, "server"]), 3);
  assert.equal(locateLine(source, ["stream", "upstream", 0, "server", 0, "fail_timeout"]), 4);
  assert.equal(locateLine(source, ["stream", "upstream", 0, "server", 1]), 6);
  assert.equal(locateLine(source, ["stream", "upstream", 0, "server", 1, "addr"]), 6);
  assert.equal(locateLine(source, ["stream", "upstream", 0, "weights", "a", 1]), 8);
  assert.equal(locateLine(source, ["stream", "upstream", 0, "weights", "b", "c"]), 9);
});

Deno.test("locateLine() gives the line of a plain array element", () => {
  const source = toml(
    'bind_addr = ["a:1", "b:2"]',
    "headers = [",
    '  "proxy x-forward-for {client_ip}",',
    "  [1, 2], [",
    "    3,",
    "  ],",
    "]",
  );
  assert.equal(locateLine(source, ["bind_addr", 1]), 1);
  assert.equal(locateLine(source, ["headers", 0]), 3);
  assert.equal(locateLine(source, ["headers", 1, 1]), 4);
  assert.equal(locateLine(source, ["headers", 2]), 4);
  assert.equal(locateLine(source, ["headers", 2, 0]), 5);
});

Deno.test("locateLine() does not take the contents of strings for structure", () => {
  const source = toml(
    'intro = """',
    "[[fake]]",
    "x = 1 # not a comment",
    '"""',
    "raw = '''",
    "[fake.table]",
    "y = 2",
    "'''",
    'hash = "# [x] = \\" y = 3"',
    "lit = 'a # [b] = c'",
    'quotes = """ends with two quotes"""""',
    "[[real]]",
    "x = 4",
  );
  const index = indexLines(source);
  assert.equal(findLine(index, ["intro"]), 1);
  assert.equal(findLine(index, ["fake"]), undefined);
  assert.equal(findLine(index, ["x"]), undefined);
  assert.equal(findLine(index, ["y"]), undefined);
  assert.equal(findLine(index, ["raw"]), 5);
  assert.equal(findLine(index, ["hash"]), 9);
  assert.equal(findLine(index, ["lit"]), 10);
  assert.equal(findLine(index, ["quotes"]), 11);
  assert.equal(findLine(index, ["real", 0]), 12);
  assert.equal(findLine(index, ["real", 0, "x"]), 13);
});

Deno.test("locateLine() falls back to the closest ancestor of a missing path", () => {
  const source = toml(
    "[stream]",
    "[[stream.server]]",
    'bind_addr = "0.0.0.0:83"',
    "[[stream.server]]",
    'bind_addr = "0.0.0.0:84"',
  );
  assert.equal(locateLine(source, ["stream", "server", 0, "up_name"]), 2);
  assert.equal(locateLine(source, ["stream", "server", 1, "up_name", "deeper"]), 4);
  assert.equal(locateLine(source, ["stream", "server", 7]), 2);
  assert.equal(locateLine(source, ["stream", "upstream", 0, "name"]), 1);
  assert.equal(locateLine(source, ["http", "server"]), undefined);
  assert.equal(locateLine(source, ["missing"]), undefined);
  assert.equal(locateLine(source, []), undefined);
});

Deno.test("locateLine() finds a table implied only by a longer header", () => {
  const source = toml("[http.log_format]", 'main = "{url}"', "[http]", "aa = 1");
  assert.equal(locateLine(source, ["http", "missing"]), 3);
  assert.equal(locateLine(toml("[http.log_format]", 'main = ""'), ["http", "missing"]), 1);
});

Deno.test("indexLines() answers many lookups from one scan", () => {
  const index = indexLines(toml("[[a]]", "x = 1", "[[a]]", "x = 2"));
  assert.equal(findLine(index, ["a", 0, "x"]), 2);
  assert.equal(findLine(index, ["a", 1, "x"]), 4);
  assert.equal(index.lines.size, 5);
});

Deno.test("locateLine() finds paths in the wmproxy reverse.toml reference", async () => {
  const source = await readReference("reverse.toml");
  const index = indexLines(source);
  const cases: [(string | number)[], number][] = [
    [["control"], 2],
    [["proxy", "bind_addr"], 4],
    [["http", "aa"], 11],
    [["http", "log_format", "main"], 18],
    [["http", "log_names", "default"], 23],
    [["http", "upstream", 1, "name"], 37],
    [["http", "upstream", 0, "server", 0, "fail_timeout"], 32],
    [["http", "server", 0, "headers", 1], 58],
    [["http", "server", 0, "limit_req"], 60],
    [["http", "server", 0, "location", 0, "file_server", "browse"], 66],
    [["http", "server", 0, "location", 1, "rule"], 75],
    [["http", "server", 0, "location", 1, "headers", 0], 78],
    [["http", "server", 0, "location", 2], 81],
    [["http", "server", 0, "location", 3], 63],
    [["http", "server", 1], 44],
    [["stream"], 91],
    [["stream", "upstream", 2, "server", 0, "addr"], 112],
    [["stream", "upstream", 1, "server", 0, "addr"], 104],
    [["stream", "server", 2, "timeout"], 129],
    [["stream", "server", 3, "bind_mode"], 135],
    [["stream", "server", 0, "timeout"], 115],
  ];
  for (const [path, line] of cases) {
    assert.equal(findLine(index, path), line, formatKeyPath(path));
    assert.equal(locateLine(source, path), line, formatKeyPath(path));
  }
  assert.match(source.split("\n")[128], /^timeout = "500s"$/);
});

Deno.test("locateLine() finds paths in the wmproxy client.toml and server.toml references", async () => {
  const client = await readReference("client.toml");
  assert.equal(locateLine(client, ["proxy", "two_way_tls"]), 10);
  assert.equal(locateLine(client, ["proxy", "mappings", 0, "headers", 3]), 27);
  assert.equal(locateLine(client, ["proxy", "mappings", 1, "domain"]), 35);
  const server = await readReference("server.toml");
  assert.equal(locateLine(server, ["proxy", "map_tcp_bind"]), 11);
  assert.equal(locateLine(server, ["proxy", "map_cert"]), 1);
  assert.equal(locateLine(server, ["proxy", "mode"]), 23);
});
