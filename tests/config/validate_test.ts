import assert from "node:assert/strict";
import { ConfigError, ConfigErrors } from "../../lib/config/errors.ts";
import { loadConfigFile, loadConfigText } from "../../lib/config/load.ts";
import { DEFAULTS } from "../../lib/config/schema.ts";
import { validate, type ValidateOptions } from "../../lib/config/validate.ts";

const REFERENCE = new URL("../../../shared/reference/wmproxy/", import.meta.url);
const ADDRESS_EXPECTED = 'expected host:port such as "127.0.0.1:8080"';

// Joins lines so each test's expected line numbers can be read off the array index + 1.
function toml(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

// Loads text that must be invalid and returns the ConfigErrors it was rejected with.
function rejected(source: string, options: ValidateOptions = {}): ConfigErrors {
  try {
    loadConfigText(source, options);
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, `expected ConfigErrors, got ${e}`);
    return e;
  }
  assert.fail("the config was accepted");
}

function messages(source: string, options: ValidateOptions = {}): string[] {
  return rejected(source, options).errors.map((e) => e.message);
}

const ECHO_UPSTREAM = [
  "[[stream.upstream]]",
  'name = "echo"',
  'server = [{ addr = "127.0.0.1:7000" }]',
];

Deno.test("loadConfigText() reports a bad bind_addr with its key path and exact line", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "",
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
    "",
    "[[stream.server]]",
    'up_name = "echo"',
    'bind_addr = "1.2.3.4:99999"',
  );
  assert.deepEqual(messages(source), [
    `stream.server[1].bind_addr: "1.2.3.4:99999" is not a valid address, ${ADDRESS_EXPECTED} (line 11)`,
  ]);
});

Deno.test("loadConfigText() returns ConfigError objects carrying path, line and expected", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "[[stream.server]]",
    'bind_addr = "nope"',
    'up_name = "echo"',
  );
  const errors = rejected(source).errors;
  assert.equal(errors.length, 1);
  const [e] = errors;
  assert.ok(e instanceof ConfigError);
  assert.equal(e.path, "stream.server[0].bind_addr");
  assert.equal(e.line, 5);
  assert.equal(e.expected, 'host:port such as "127.0.0.1:8080"');
});

Deno.test("loadConfigText() reports a bad upstream server addr with its line", () => {
  const source = toml(
    "[[stream.upstream]]",
    'name = "a"',
    "server = [",
    '  { addr = "127.0.0.1:7000" },',
    '  { addr = "127.0.0.1:0" },',
    "]",
  );
  assert.deepEqual(messages(source), [
    `stream.upstream[0].server[1].addr: "127.0.0.1:0" is not a valid address, ${ADDRESS_EXPECTED} (line 5)`,
  ]);
});

Deno.test("loadConfigText() reports missing keys at the line of their table header", () => {
  const source = toml(
    "[[stream.upstream]]",
    'server = [{ addr = "127.0.0.1:7000" }]',
    "",
    "[[stream.upstream]]",
    'name = "empty"',
    "",
    "[[stream.server]]",
    'up_name = "empty"',
    "",
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9001"',
  );
  assert.deepEqual(messages(source), [
    "stream.upstream[0].name: is missing, expected a name for up_name to refer to (line 1)",
    'stream.upstream[1].server: is missing, expected a list like [{ addr = "127.0.0.1:8080" }] (line 4)',
    `stream.server[0].bind_addr: is missing, ${ADDRESS_EXPECTED} (line 7)`,
    "stream.server[1]: has neither up_name nor proxy_url, expected one of them (line 10)",
  ]);
});

Deno.test("loadConfigText() reports a missing upstream server addr", () => {
  const source = toml("[[stream.upstream]]", 'name = "a"', "server = [{ weight = 3 }]");
  assert.deepEqual(messages(source), [
    `stream.upstream[0].server[0].addr: is missing, ${ADDRESS_EXPECTED} (line 3)`,
  ]);
});

Deno.test("loadConfigText() reports values of the wrong type with their lines", () => {
  const source = toml(
    "control = 8837",
    'disable_control = "yes"',
    "",
    ...ECHO_UPSTREAM,
    "",
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    "up_name = 5",
  );
  assert.deepEqual(messages(source), [
    "control: 8837 is not a string, expected a quoted string (line 1)",
    'disable_control: "yes" is not a boolean, expected true or false (line 2)',
    "stream.server[0].up_name: 5 is not a string, expected a quoted string (line 10)",
    // up_name was unusable, so the server has no target either.
    "stream.server[0]: has neither up_name nor proxy_url, expected one of them (line 8)",
  ]);
});

Deno.test("loadConfigText() reports a section that is not a table", () => {
  assert.deepEqual(messages(toml('control = "127.0.0.1:8837"', "stream = 5")), [
    "stream: 5 is not a table, expected a [stream] section (line 2)",
  ]);
  assert.deepEqual(messages(toml("[stream]", "server = 5")), [
    "stream.server: 5 is not an array of tables, expected [[stream.server]] sections (line 2)",
  ]);
});

Deno.test("loadConfigText() reports an up_name that names no upstream, listing the names", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "[[stream.upstream]]",
    'name = "other"',
    'server = [{ addr = "127.0.0.1:7001" }]',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "ech0"',
  );
  assert.deepEqual(messages(source), [
    'stream.server[0].up_name: "ech0" names no [[stream.upstream]], expected one of "echo", "other" (line 9)',
  ]);
});

Deno.test("loadConfigText() reports an up_name when there are no upstreams at all", () => {
  const source = toml("[[stream.server]]", 'bind_addr = "127.0.0.1:9000"', 'up_name = "x"');
  assert.deepEqual(messages(source), [
    'stream.server[0].up_name: "x" names no [[stream.upstream]], expected the name of a [[stream.upstream]] (line 3)',
  ]);
});

Deno.test("loadConfigText() refuses a tcp server whose up_name is a udp upstream", () => {
  const source = toml(
    "[[stream.upstream]]",
    'name = "dns"',
    'bind = "udp"',
    'server = [{ addr = "127.0.0.1:53" }]',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "dns"',
  );
  assert.deepEqual(messages(source), [
    'stream.server[0].up_name: "dns" is a udp upstream, expected a tcp upstream (line 7)',
  ]);
});

Deno.test("loadConfigText() reports a duplicate upstream name at the second definition", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "",
    "[[stream.upstream]]",
    "# the same name again",
    'name = "echo"',
    'server = [{ addr = "127.0.0.1:7001" }]',
  );
  assert.deepEqual(messages(source), [
    'stream.upstream[1].name: "echo" is defined twice, expected unique names (line 7)',
  ]);
});

Deno.test("loadConfigText() reports a duplicate bind_addr at the second server", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9001"',
    'up_name = "echo"',
    "[[stream.server]]",
    'up_name = "echo"',
    'bind_addr = "127.0.0.1:9000"',
  );
  assert.deepEqual(messages(source), [
    'stream.server[2].bind_addr: "127.0.0.1:9000" is already used by stream.server[0], expected one tcp server per address (line 12)',
  ]);
});

Deno.test("loadConfigText() reports bad durations with their lines", () => {
  const source = toml(
    "shutdown_timeout = -5",
    "[[stream.upstream]]",
    'name = "echo"',
    'server = [{ addr = "127.0.0.1:7000", fail_timeout = "soon" }]',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
    'timeout = "10 parsecs"',
    "proxy_connect_timeout = true",
  );
  const expected = 'expected seconds or a string like "10s", "5m"';
  assert.deepEqual(messages(source), [
    `shutdown_timeout: -5 is not a duration, ${expected} (line 1)`,
    `stream.upstream[0].server[0].fail_timeout: "soon" is not a duration, ${expected} (line 4)`,
    `stream.server[0].proxy_connect_timeout: true is not a duration, ${expected} (line 9)`,
    `stream.server[0].timeout: "10 parsecs" is not a duration, ${expected} (line 8)`,
  ]);
});

Deno.test("loadConfigText() reports a bind_mode it does not know", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'bind_mode = "http"',
    'up_name = "echo"',
  );
  assert.deepEqual(messages(source), [
    'stream.server[0].bind_mode: "http" is not a bind mode, expected "tcp", "udp", "tcp2ws", "tcp2wss" or "ws2tcp" (line 6)',
  ]);
});

Deno.test("loadConfigText() reports out-of-range numbers and bad log levels", () => {
  const source = toml(
    'default_level = "loud"',
    "[[stream.upstream]]",
    'name = "a"',
    'bind = "sctp"',
    "server = [",
    '  { addr = "127.0.0.1:7000", weight = 0 },',
    '  { addr = "127.0.0.1:7001", fall_times = 1001, rise_times = 1.5 },',
    "]",
  );
  assert.deepEqual(messages(source), [
    'default_level: "loud" is not a log level, expected one of trace, debug, info, warn, error, fatal (line 1)',
    'stream.upstream[0].bind: "sctp" is not a transport, expected "tcp" or "udp" (line 4)',
    "stream.upstream[0].server[0].weight: 0 is out of range, expected a whole number from 1 to 65535 (line 6)",
    "stream.upstream[0].server[1].fall_times: 1001 is out of range, expected a whole number from 1 to 1000 (line 7)",
    "stream.upstream[0].server[1].rise_times: 1.5 is not a whole number, expected a whole number from 1 to 1000 (line 7)",
  ]);
});

Deno.test("loadConfigText() refuses a non-loopback control without control_token", () => {
  assert.deepEqual(messages(toml("# public control", 'control = "0.0.0.0:8837"')), [
    'control: "0.0.0.0:8837" is not a loopback address and control_token is not set, ' +
    "expected a loopback address, or control_token set (line 2)",
  ]);
  const withToken = loadConfigText(toml('control = "0.0.0.0:8837"', 'control_token = "s3cret"'));
  assert.equal(withToken.config.control, "0.0.0.0:8837");
  assert.equal(withToken.config.control_token, "s3cret");
  const disabled = loadConfigText(toml('control = "0.0.0.0:8837"', "disable_control = true"));
  assert.equal(disabled.config.control, null);
  for (const loopback of ["127.0.0.2:8837", "[::1]:8837", "localhost:8837"]) {
    assert.equal(loadConfigText(`control = "${loopback}"\n`).config.control, loopback);
  }
});

Deno.test("loadConfigText() checks a --control override, which has no line", () => {
  const errors = rejected("", { control: "10.0.0.1:8837" }).errors;
  assert.equal(errors.length, 1);
  assert.equal(errors[0].path, "--control");
  assert.equal(errors[0].line, undefined);
  assert.equal(
    errors[0].message,
    '--control: "10.0.0.1:8837" is not a loopback address and control_token is not set, ' +
      "expected a loopback address, or control_token set",
  );
  assert.deepEqual(messages("", { control: "127.0.0.1:x" }), [
    `--control: "127.0.0.1:x" is not a valid address, ${ADDRESS_EXPECTED}`,
  ]);
  // The override replaces the file's control, and disableControl turns it off.
  const file = 'control = "127.0.0.1:1111"\n';
  assert.equal(
    loadConfigText(file, { control: "127.0.0.1:2222" }).config.control,
    "127.0.0.1:2222",
  );
  assert.equal(loadConfigText(file, { disableControl: true }).config.control, null);
});

Deno.test("loadConfigText() reports an invalid control address with its line", () => {
  assert.deepEqual(messages(toml("", 'control = "127.0.0.1"')), [
    `control: "127.0.0.1" is not a valid address, ${ADDRESS_EXPECTED} (line 2)`,
  ]);
});

Deno.test("loadConfigText() reports bad TOML syntax with the parser's line", () => {
  const errors = rejected(
    toml(
      'control = "127.0.0.1:8837"',
      "",
      "[[stream.upstream]]",
      'name = "echo"',
      "server = [{ addr = }]",
    ),
    { file: "bad.toml" },
  );
  assert.equal(errors.file, "bad.toml");
  assert.equal(errors.errors.length, 1);
  const [e] = errors.errors;
  assert.equal(e.path, "");
  assert.equal(e.line, 5);
  assert.match(e.message, /^invalid TOML: .+ \(line 5\)$/);
  assert.match(errors.message, /^bad\.toml: 1 error\n {2}invalid TOML: .+ \(line 5\)$/);
});

Deno.test("loadConfigText() reports an unclosed table header on its line", () => {
  const errors = rejected(toml('control = "127.0.0.1:8837"', "[stream", "x = 1")).errors;
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 2);
  assert.match(errors[0].message, /^invalid TOML: /);
});

Deno.test("loadConfigText() reports every error of a file at once, each with its line", () => {
  const source = toml(
    "[[stream.upstream]]",
    'name = "a"',
    'server = [{ addr = "127.0.0.1:7000", weight = 0 }]',
    "[[stream.upstream]]",
    'name = "a"',
    'server = [{ addr = "127.0.0.1:99999" }]',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:80"',
    'up_name = "nope"',
    "[[stream.server]]",
    'bind_addr = "1.2.3.4:99999"',
    'up_name = "a"',
    'timeout = "10 parsecs"',
    "[[stream.server]]",
    'bind_mode = "http"',
  );
  const errors = rejected(source, { file: "many.toml" });
  assert.deepEqual(errors.errors.map((e) => [e.path, e.line]), [
    ["stream.upstream[0].server[0].weight", 3],
    ["stream.upstream[1].server[0].addr", 6],
    ["stream.upstream[1].name", 5],
    ["stream.server[0].up_name", 9],
    ["stream.server[1].bind_addr", 11],
    ["stream.server[1].timeout", 13],
    ["stream.server[2].bind_mode", 15],
    ["stream.server[2].bind_addr", 14],
    ["stream.server[2]", 14],
  ]);
  const lines = errors.message.split("\n");
  assert.equal(lines[0], "many.toml: 9 errors");
  assert.deepEqual(lines.slice(1), errors.errors.map((e) => `  ${e.message}`));
});

Deno.test("validate() without source text reports errors without lines", () => {
  try {
    validate({ stream: { server: [{ bind_addr: "x", proxy_url: "tcp://127.0.0.1:1" }] } }, "");
    assert.fail("accepted");
  } catch (e) {
    assert.ok(e instanceof ConfigErrors);
    assert.deepEqual(e.errors.map((x) => [x.message, x.line]), [
      [`stream.server[0].bind_addr: "x" is not a valid address, ${ADDRESS_EXPECTED}`, undefined],
    ]);
  }
});

Deno.test("loadConfigText() validates a tunnel [proxy] section", () => {
  const { warnings, config } = loadConfigText(toml(
    'control = "127.0.0.1:8837"',
    "[proxy]",
    'server = "127.0.0.1:8091"',
    'username = "u"',
    'password = "p"',
    "[[proxy.mappings]]",
    'name = "web"',
    'mode = "tcp"',
    'local_addr = "127.0.0.1:8080"',
  ));
  assert.deepEqual(warnings, []);
  assert.equal(config.proxy, null);
  assert.equal(config.tunnel?.mode, "client");
  assert.equal(config.stream.server.length, 0);
});

Deno.test("loadConfigText() reads [http] with inheritance down to locations", () => {
  const { warnings, config } = loadConfigText(toml(
    "[http]",
    "max_read_buf = 1024",
    'proxy_read_timeout = "30s"',
    "[[http.upstream]]",
    'name = "web"',
    'server = [{ addr = "127.0.0.1:8080", weight = 3 }]',
    'method = "least_conn"',
    "[[http.server]]",
    'bind_addr = "0.0.0.0:82"',
    'up_name = "Example.TEST"',
    'headers = ["proxy X-Real-IP {client_ip}"]',
    "[[http.server.location]]",
    'rule = "/"',
    'proxy_url = "http://web"',
    'headers = ["+ X-By wmproxy"]',
    "client_ka_timeout = 5",
  ));
  assert.deepEqual(warnings, []);
  const server = config.http!.server[0];
  assert.equal(server.location[0].max_read_buf, 1024, "inherited from [http]");
  assert.deepEqual(server.up_name, ["example.test"]);
  const loc = server.location[0];
  assert.deepEqual(loc.headers, ["proxy X-Real-IP {client_ip}", "+ X-By wmproxy"]);
  assert.deepEqual([loc.proxy_read_timeout, loc.client_ka_timeout, loc.proxy_connect_timeout], [
    30,
    5,
    10,
  ]);
  assert.equal(config.http!.upstream[0].method, "least_conn");
});

Deno.test("loadConfigText() reports bad [http] rules, headers, methods and proxy_urls with lines", () => {
  assert.deepEqual(
    messages(toml(
      "[[http.upstream]]",
      'name = "web"',
      'server = [{ addr = "127.0.0.1:8080" }]',
      'method = "fastest"',
      "[[http.server]]",
      'bind_addr = "127.0.0.1:99999"',
      "[[http.server.location]]",
      'rule = "/("',
      "[[http.server.location]]",
      'rule = "/a"',
      'headers = ["a b c d"]',
      'proxy_url = "http://nope"',
    )),
    [
      'http.upstream[0].method: "fastest" is not a balancing method, expected "round_robin", "least_conn", "ip_hash" or "hash {var}" (line 4)',
      'http.server[0].bind_addr: "127.0.0.1:99999" is not a valid address, expected host:port such as "127.0.0.1:80" (line 6)',
      'http.server[0].location[0].rule: "/(" is not a valid regular expression, expected a path prefix "/api", a glob "/static/*", a regular expression or "@name" (line 8)',
      'http.server[0].location[1].proxy_url: "http://nope" names no [[http.upstream]] and is not http(s)://host:port, expected one of "http://web", or "http://host:port" (line 12)',
      'http.server[0].location[1].headers[0]: "a b c d" is not a header rule, expected a list of rules like ["proxy X-Real-IP {client_ip}", "+ X-By wmproxy", "- Server"] (line 11)',
    ],
  );
});

Deno.test("loadConfigText() parses header rules once: header_rules follow headers, inherited", () => {
  const { config } = loadConfigText(toml(
    "[http]",
    'headers = ["proxy X-Real-IP {client_ip}"]',
    "[[http.server]]",
    'bind_addr = "127.0.0.1:82"',
    'headers = [["+", "X-Note", "a b"]]',
    "[[http.server.location]]",
    'rule = "/"',
    'static_response = "ok"',
    'headers = ["- Server", "X-Frame-Options DENY"]',
  ));
  const loc = config.http!.server[0].location[0];
  assert.deepEqual(loc.headers, [
    "proxy X-Real-IP {client_ip}",
    "+ X-Note 'a b'",
    "- Server",
    "X-Frame-Options DENY",
  ]);
  assert.deepEqual(loc.header_rules, [
    { op: "proxy", name: "X-Real-IP", value: "{client_ip}" },
    { op: "add", name: "X-Note", value: "a b" },
    { op: "remove", name: "Server", value: "" },
    { op: "set", name: "X-Frame-Options", value: "DENY" },
  ]);
});

Deno.test("loadConfigText() reports a header rule's bad name and line break with path and line", () => {
  const expected =
    'expected a list of rules like ["proxy X-Real-IP {client_ip}", "+ X-By wmproxy", "- Server"]';
  assert.deepEqual(
    messages(toml(
      "[[http.server]]",
      'bind_addr = "127.0.0.1:82"',
      "[[http.server.location]]",
      'rule = "/"',
      'static_response = "ok"',
      "headers = [",
      '  "+ X:Y v",',
      '  "proxy X-A \\"a\\nb\\"",',
      "]",
    )),
    [
      `http.server[0].location[0].headers[0]: "+ X:Y v" has an invalid header name "X:Y", ${expected} (line 7)`,
      `http.server[0].location[0].headers[1]: "proxy X-A \\"a\\nb\\"" has a line break in its value, ${expected} (line 8)`,
    ],
  );
});

Deno.test("loadConfigText() accepts the WebSocket bind_modes with proxy_url, up_name and domain", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
    'bind_mode = "tcp2wss"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9002"',
    'proxy_url = "ws://127.0.0.1:8081/chat?x=1"',
    'bind_mode = "tcp2ws"',
    'domain = "ws.example"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9003"',
    'bind_mode = "ws2tcp"',
    'proxy_url = "tcp://127.0.0.1:8082"',
  );
  const { warnings, config } = loadConfigText(source);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    config.stream.server.map((
      s,
    ) => [s.bind_mode, s.proxy_url, s.domain, s.upstream.server[0].addr]),
    [
      ["tcp2wss", null, null, "127.0.0.1:7000"],
      ["tcp2ws", "ws://127.0.0.1:8081/chat?x=1", "ws.example", "127.0.0.1:8081"],
      ["ws2tcp", "tcp://127.0.0.1:8082", null, "127.0.0.1:8082"],
    ],
  );
});

Deno.test("loadConfigText() reports bad WebSocket proxy_url and domain with their lines", () => {
  const source = toml(
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'bind_mode = "tcp2ws"',
    'proxy_url = "tcp://127.0.0.1:8081"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9001"',
    'bind_mode = "ws2tcp"',
    'proxy_url = "ws://127.0.0.1:8081/"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9002"',
    'bind_mode = "tcp2ws"',
    'proxy_url = "ws://127.0.0.1:8081/"',
    'domain = "bad name"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9002"',
    'proxy_url = "tcp://127.0.0.1:8081"',
  );
  assert.deepEqual(messages(source), [
    'stream.server[0].proxy_url: "tcp://127.0.0.1:8081" is not a WebSocket URL, expected "ws://host:port/path" or "wss://..." (line 4)',
    'stream.server[1].proxy_url: "ws://127.0.0.1:8081/" is not a tcp URL, expected "tcp://host:port" (line 8)',
    'stream.server[2].domain: "bad name" is not a host name, expected a name such as "example.com" (line 13)',
    'stream.server[3].bind_addr: "127.0.0.1:9002" is already used by stream.server[2], expected one tcp server per address (line 15)',
  ]);
});

Deno.test("loadConfigText() warns once per unknown key, with its path and line", () => {
  const source = toml(
    "colour = 1",
    "[stream]",
    "extra = true",
    "[[stream.upstream]]",
    'name = "echo"',
    'server = [{ addr = "127.0.0.1:7000", backup = true }]',
    "health = 1",
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
    "keepalive = 5",
  );
  const { warnings, config } = loadConfigText(source);
  assert.deepEqual(warnings, [
    "colour: unknown or unsupported key; ignored (line 1)",
    "stream.extra: unknown or unsupported key; ignored (line 3)",
    "stream.upstream[0].health: unknown or unsupported key; ignored (line 7)",
    "stream.upstream[0].server[0].backup: unknown or unsupported key; ignored (line 6)",
    "stream.server[0].keepalive: unknown or unsupported key; ignored (line 11)",
  ]);
  assert.equal(config.stream.server.length, 1);
});

Deno.test("loadConfigFile() loads reverse.toml with one warning per unsupported part", async () => {
  const { config, warnings } = await loadConfigFile(
    new URL("reverse.toml", REFERENCE).pathname,
  );
  assert.deepEqual(warnings, [
    "http.aa: unknown or unsupported key; ignored (line 11)",
    "stream.server[3].up_name: ignored because proxy_url is set (line 133)",
  ]);
  assert.equal(config.control, "127.0.0.1:8837");
  // The file_server location is kept, with its try_paths and the server's root ("").
  const files = config.http!.server[0].location[0];
  assert.equal(files.rule, "/root");
  assert.deepEqual(
    [files.file_server?.browse, files.file_server?.root, files.file_server?.prefix],
    [true, "", "/root"],
  );
  assert.equal(files.try_paths, "{path}/ '/ro(\\w+)/(.*) {path} /ro$1/Cargo.toml' /root/README.md");
  assert.deepEqual(config.stream.upstream.map((u) => [u.name, u.bind]), [
    ["server", "tcp"],
    ["ws", "tcp"],
    ["udp", "udp"],
  ]);
  assert.deepEqual(config.stream.server.map((s) => [s.bind_mode, s.bind_addr]), [
    ["tcp", "0.0.0.0:83"],
    ["tcp2ws", "0.0.0.0:85"],
    ["udp", "0.0.0.0:84"],
    ["ws2tcp", "0.0.0.0:86"],
  ]);
  const ws = config.http!.server[0].location.find((l) => l.rule === "@ws")!;
  assert.deepEqual([ws.is_ws, ws.proxy_url], [true, "http://ws"]);
  const [server, , udp] = config.stream.server;
  assert.deepEqual(
    [udp.bind_mode, udp.bind_addr, udp.timeout, udp.upstream.server[0].addr],
    ["udp", "0.0.0.0:84", 500, "127.0.0.1:8089"],
  );
  assert.equal(server.bind_addr, "0.0.0.0:83");
  assert.equal(server.up_name, "server");
  assert.deepEqual(server.upstream.server.map((s) => [s.addr, s.fail_timeout]), [
    ["127.0.0.1:8080", 30],
  ]);
});

Deno.test("loadConfigFile() loads server.toml and client.toml as tunnel ends", async () => {
  const server = await loadConfigFile(new URL("server.toml", REFERENCE).pathname);
  assert.deepEqual(server.warnings, [
    "proxy.two_way_tls: accepted but not applied: Deno cannot verify client certificates; the client is authenticated by its username/password over TLS instead (line 19)",
  ]);
  assert.equal(server.config.control, DEFAULTS.control);
  assert.equal(server.config.stream.server.length, 0);

  const client = await loadConfigFile(new URL("client.toml", REFERENCE).pathname);
  assert.deepEqual(client.warnings, [
    "proxy.two_way_tls: accepted but not applied: Deno cannot verify client certificates; the client is authenticated by its username/password over TLS instead (line 10)",
  ]);
  assert.equal(client.config.control, "127.0.0.1:8838");
});

Deno.test("loadConfigFile() reports a missing file as a ConfigErrors naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wmproxy-test-" });
  try {
    const file = `${dir}/absent.toml`;
    await assert.rejects(loadConfigFile(file), (e: unknown) => {
      assert.ok(e instanceof ConfigErrors);
      assert.equal(e.file, file);
      assert.deepEqual(e.errors.map((x) => x.message), ["cannot read the file: no such file"]);
      assert.equal(e.message, `${file}: 1 error\n  cannot read the file: no such file`);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfigText() accepts durations as 10s, 5m, 500ms and plain seconds", () => {
  const { config } = loadConfigText(toml(
    "shutdown_timeout = 7",
    "[[stream.upstream]]",
    'name = "echo"',
    'server = [{ addr = "127.0.0.1:7000", fail_timeout = "5m" }]',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
    'timeout = "10s"',
    'proxy_connect_timeout = "500ms"',
  ));
  assert.equal(config.shutdown_timeout, 7);
  assert.equal(config.stream.upstream[0].server[0].fail_timeout, 300);
  assert.equal(config.stream.server[0].timeout, 10);
  assert.equal(config.stream.server[0].proxy_connect_timeout, 0.5);
});

Deno.test("loadConfigText() fills in the documented defaults", () => {
  const { config, warnings } = loadConfigText(toml(
    ...ECHO_UPSTREAM,
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
  ));
  assert.deepEqual(warnings, []);
  assert.equal(config.control, "127.0.0.1:8837");
  assert.equal(config.control_token, null);
  assert.equal(config.shutdown_timeout, 30);
  assert.equal(config.default_level, "info");
  assert.equal(config.log_file, null);
  assert.equal(config.pidfile, null);
  const server = config.stream.server[0];
  assert.equal(server.bind_mode, "tcp");
  assert.equal(server.proxy_url, null);
  assert.equal(server.proxy_connect_timeout, 10);
  assert.equal(server.timeout, 600);
  assert.equal(config.stream.upstream[0].bind, "tcp");
  assert.deepEqual(config.stream.upstream[0].server[0], {
    addr: "127.0.0.1:7000",
    hostname: "127.0.0.1",
    port: 7000,
    weight: 100,
    fail_timeout: 30,
    fall_times: 2,
    rise_times: 2,
  });
  // The server's upstream is the very upstream it names.
  assert.equal(server.upstream, config.stream.upstream[0]);
});

Deno.test("loadConfigText() of an empty file is a valid config with no listeners", () => {
  const { config, warnings } = loadConfigText("");
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.stream, { upstream: [], server: [] });
  assert.equal(config.control, DEFAULTS.control);
});

Deno.test("loadConfigText() reads explicit settings and normalises the log level", () => {
  const { config } = loadConfigText(toml(
    'default_level = "WARNING"',
    'log_file = "/tmp/wm.log"',
    'pidfile = "/tmp/wm.pid"',
    "[[stream.upstream]]",
    'name = "echo"',
    'server = [{ addr = "localhost:7000", weight = 3, fall_times = 5, rise_times = 4 }]',
  ));
  assert.equal(config.default_level, "warn");
  assert.equal(config.log_file, "/tmp/wm.log");
  assert.equal(config.pidfile, "/tmp/wm.pid");
  const s = config.stream.upstream[0].server[0];
  assert.deepEqual([s.hostname, s.port, s.weight, s.fall_times, s.rise_times], [
    "localhost",
    7000,
    3,
    5,
    4,
  ]);
});

Deno.test("loadConfigText() returns a deeply frozen config", () => {
  const { config } = loadConfigText(toml(
    ...ECHO_UPSTREAM,
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
  ));
  const objects: [string, unknown][] = [
    ["config", config],
    ["stream", config.stream],
    ["stream.upstream", config.stream.upstream],
    ["stream.upstream[0]", config.stream.upstream[0]],
    ["stream.upstream[0].server", config.stream.upstream[0].server],
    ["stream.upstream[0].server[0]", config.stream.upstream[0].server[0]],
    ["stream.server", config.stream.server],
    ["stream.server[0]", config.stream.server[0]],
    ["stream.server[0].upstream", config.stream.server[0].upstream],
  ];
  for (const [name, o] of objects) assert.ok(Object.isFrozen(o), `${name} is not frozen`);
  // Modules are strict mode: writing to a frozen object throws.
  assert.throws(() => {
    (config as { control: string | null }).control = "x";
  }, TypeError);
  assert.throws(() => {
    (config.stream.server as unknown[]).push({});
  }, TypeError);
  assert.throws(() => {
    (config.stream.upstream[0].server[0] as { weight: number }).weight = 1;
  }, TypeError);
  assert.equal(config.stream.upstream[0].server[0].weight, 100);
});

Deno.test("loadConfigText() lets proxy_url win over up_name", () => {
  const source = toml(
    ...ECHO_UPSTREAM,
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'up_name = "echo"',
    'proxy_url = "tcp://127.0.0.1:8082"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9001"',
    'up_name = "ws1"',
    'proxy_url = "tcp://[::1]:8083"',
  );
  const { config, warnings } = loadConfigText(source);
  const [a, b] = config.stream.server;
  assert.deepEqual(warnings, [
    "stream.server[0].up_name: ignored because proxy_url is set (line 6)",
    "stream.server[1].up_name: ignored because proxy_url is set (line 10)",
  ]);
  assert.equal(a.up_name, "echo");
  assert.equal(a.proxy_url, "tcp://127.0.0.1:8082");
  assert.equal(a.upstream.name, "tcp://127.0.0.1:8082");
  assert.deepEqual(a.upstream.server.map((s) => [s.addr, s.hostname, s.port, s.weight]), [
    ["127.0.0.1:8082", "127.0.0.1", 8082, 100],
  ]);
  // An up_name naming no upstream is not an error when proxy_url is set.
  assert.deepEqual(b.upstream.server.map((s) => [s.hostname, s.port]), [["::1", 8083]]);
});

Deno.test("loadConfigText() reports a proxy_url that is not tcp://host:port", () => {
  const source = toml(
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9000"',
    'proxy_url = "http://127.0.0.1:8082"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9001"',
    'proxy_url = "tcp://127.0.0.1"',
  );
  assert.deepEqual(messages(source), [
    'stream.server[0].proxy_url: "http://127.0.0.1:8082" is not a tcp URL, expected "tcp://host:port" (line 3)',
    'stream.server[1].proxy_url: "tcp://127.0.0.1" is not a tcp URL, expected "tcp://host:port" (line 6)',
  ]);
});

Deno.test("loadConfigText() checks udp servers: udp upstreams, udp:// URLs, defaults", () => {
  const ok = loadConfigText(toml(
    "[[stream.upstream]]",
    'name = "dns"',
    'bind = "udp"',
    'server = [{ addr = "127.0.0.1:5353" }]',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9053"',
    'bind_mode = "udp"',
    'up_name = "dns"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:9053"',
    'proxy_url = "tcp://127.0.0.1:53"',
  ));
  const [udp, tcp] = ok.config.stream.server;
  assert.deepEqual([udp.bind_mode, udp.timeout, udp.max_sessions], ["udp", 60, 10000]);
  assert.deepEqual([tcp.bind_mode, tcp.timeout], ["tcp", 600]);

  assert.deepEqual(
    messages(toml(
      ...ECHO_UPSTREAM,
      "[[stream.server]]",
      'bind_addr = "127.0.0.1:9001"',
      'bind_mode = "udp"',
      'up_name = "echo"',
      "[[stream.server]]",
      'bind_addr = "127.0.0.1:9002"',
      'bind_mode = "udp"',
      'proxy_url = "tcp://127.0.0.1:53"',
      "max_sessions = 0",
    )),
    [
      'stream.server[0].up_name: "echo" is a tcp upstream, expected an upstream with bind = "udp" (line 7)',
      'stream.server[1].proxy_url: "tcp://127.0.0.1:53" is not a udp URL, expected "udp://host:port" (line 11)',
      "stream.server[1].max_sessions: 0 is out of range, expected a whole number from 1 to 10000000 (line 12)",
    ],
  );
});

Deno.test("loadConfigText() reads limit_req_zone, limit_req (brust or burst) and rate_limit with inheritance", () => {
  const { warnings, config } = loadConfigText(toml(
    "[http]",
    'rate_limit = "4m/s"',
    "[http.limit_req_zone]",
    'limit = "{client_ip} limit=10m rate=1000r/s"',
    'slow = "{http_x_user} rate=60r/m"',
    "[[http.server]]",
    'bind_addr = "127.0.0.1:82"',
    'limit_req = "zone=limit brust=1"',
    "[[http.server.location]]",
    'rule = "/a"',
    'static_response = "a"',
    "[[http.server.location]]",
    'rule = "/b"',
    'static_response = "b"',
    'limit_req = "zone=slow burst=5"',
    'rate_limit = "512k/s"',
    "[[http.server.location]]",
    'rule = "/c"',
    'static_response = "c"',
    'rate_limit = "100/s"',
  ));
  assert.deepEqual(warnings, []);
  const http = config.http!;
  const limit = { name: "limit", key: "{client_ip}", limit: 10 * 1024 * 1024, rate: 1000 };
  const slow = { name: "slow", key: "{http_x_user}", limit: 10 * 1024 * 1024, rate: 1 };
  assert.deepEqual(http.limit_req_zone, { limit, slow });
  const [a, b, c] = http.server[0].location;
  assert.deepEqual([a.limit_req, a.rate_limit], [{ zone: limit, burst: 1 }, 4 * 1024 * 1024]);
  assert.deepEqual([b.limit_req, b.rate_limit], [{ zone: slow, burst: 5 }, 512 * 1024]);
  assert.deepEqual([c.limit_req, c.rate_limit], [{ zone: limit, burst: 1 }, 100]);
});

Deno.test("loadConfigText() leaves limit_req and rate_limit null when unset", () => {
  const { config } = loadConfigText(toml(
    "[[http.server]]",
    'bind_addr = "127.0.0.1:82"',
    "[[http.server.location]]",
    'static_response = "a"',
  ));
  const loc = config.http!.server[0].location[0];
  assert.deepEqual([loc.limit_req, loc.rate_limit], [null, null]);
  assert.deepEqual(config.http!.limit_req_zone, {});
});

Deno.test("loadConfigText() reports bad limit_req_zone, limit_req and rate_limit values with lines", () => {
  assert.deepEqual(
    messages(toml(
      "[http.limit_req_zone]",
      'one = "{client_ip} rate=10r/s"',
      'bad = "{client_ip} rate=fast"',
      'worse = "{client_ip} limit=10m"',
      "[[http.server]]",
      'bind_addr = "127.0.0.1:82"',
      'limit_req = "zone=nope"',
      "[[http.server.location]]",
      'limit_req = "zone=one brust=x"',
      'rate_limit = "lots"',
    )),
    [
      'http.limit_req_zone.bad: "{client_ip} rate=fast" has an invalid rate "fast", expected "{client_ip} limit=10m rate=1000r/s" (line 3)',
      'http.limit_req_zone.worse: "{client_ip} limit=10m" has no rate, expected "{client_ip} limit=10m rate=1000r/s" (line 4)',
      'http.server[0].limit_req: "zone=nope" names no [http.limit_req_zone] entry, expected "zone=NAME burst=N" naming one of "zone=one" (line 7)',
      'http.server[0].location[0].limit_req: "zone=one brust=x" has an invalid burst "x", expected "zone=NAME burst=N" naming one of "zone=one" (line 9)',
      'http.server[0].location[0].rate_limit: "lots" is not a rate, expected bytes per period such as "4m/s", "512k/s" or "100/s" (line 10)',
    ],
  );
});

Deno.test("loadConfigText() reads http upstream keepalive with defaults 256 and 60s", () => {
  const { config } = loadConfigText(toml(
    "[[http.upstream]]",
    'name = "a"',
    'server = [{ addr = "127.0.0.1:8080" }]',
    "[[http.upstream]]",
    'name = "b"',
    'server = [{ addr = "127.0.0.1:8081" }]',
    "keepalive = 8",
    'keepalive_timeout = "5s"',
  ));
  const [a, b] = config.http!.upstream;
  assert.deepEqual([a.keepalive, a.keepalive_timeout], [256, 60]);
  assert.deepEqual([b.keepalive, b.keepalive_timeout], [8, 5]);
});

Deno.test("loadConfigText() resolves access_log and error_log by name and inherits them", () => {
  const { config, warnings } = loadConfigText(toml(
    "[http]",
    'access_log = "access main info"',
    'error_log = "errors warn"',
    "[http.log_format]",
    'main = "{d(%Y-%m-%d %H:%M:%S)} {client_ip} {l} {url} {status}"',
    'short = "{path} {status}"',
    "[http.log_names]",
    'access = "logs/access.log"',
    'other = "logs/other.log debug"',
    'errors = "logs/error.log"',
    "[[http.server]]",
    'bind_addr = "127.0.0.1:82"',
    "[[http.server.location]]",
    'rule = "/a"',
    "[[http.server.location]]",
    'rule = "/b"',
    'access_log = "other short"',
  ));
  assert.deepEqual(warnings, []);
  const http = config.http!;
  assert.deepEqual(http.log_names, {
    access: "logs/access.log trace",
    other: "logs/other.log debug",
    errors: "logs/error.log trace",
  });
  const [a, b] = http.server[0].location;
  assert.deepEqual(a.access_log, {
    name: "access",
    file: "logs/access.log",
    format_name: "main",
    format: "{d(%Y-%m-%d %H:%M:%S)} {client_ip} {l} {url} {status}",
    level: "info",
    file_level: "trace",
  });
  assert.deepEqual(http.server[0].access_log, a.access_log);
  assert.deepEqual(b.access_log, {
    name: "other",
    file: "logs/other.log",
    format_name: "short",
    format: "{path} {status}",
    level: "trace",
    file_level: "debug",
  });
  assert.deepEqual(b.error_log, { name: "errors", file: "logs/error.log", level: "warn" });
});

Deno.test("loadConfigText() reports unknown log names, formats and levels with lines", () => {
  assert.deepEqual(
    messages(toml(
      "[http]",
      'access_log = "nolog main"',
      "[http.log_format]",
      'main = "{client_ip} {colour}"',
      'ok = "{status}"',
      "[http.log_names]",
      'access = "logs/a.log loud"',
      'fine = "logs/f.log"',
      "[[http.server]]",
      'bind_addr = "127.0.0.1:82"',
      'error_log = "missing"',
      "[[http.server.location]]",
      'access_log = "fine nope"',
    )),
    [
      'http.log_names.access: "logs/a.log loud" has no level "loud", expected "trace", "debug", "info", "warn" or "error" (line 7)',
      'http.log_format.main: "{client_ip} {colour}" has an unknown variable "{colour}", expected text with variables such as "{client_ip} {url} {status}" (line 4)',
      'http.access_log: "nolog main" names no [http.log_names] entry "nolog", expected a log name: one of "fine" (line 2)',
      'http.server[0].error_log: "missing" names no [http.log_names] entry "missing", expected a log name: one of "fine" (line 11)',
      'http.server[0].location[0].access_log: "fine nope" names no [http.log_format] entry "nope", expected a format: one of "main", "ok" (line 13)',
    ],
  );
});

Deno.test("validate() refuses port 0 on a listener the workers share, with its key and line", () => {
  const source = toml(
    "workers = 2",
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:0"',
    'proxy_url = "tcp://127.0.0.1:7000"',
    "[[stream.server]]",
    'bind_addr = "127.0.0.1:0"',
    'bind_mode = "udp"',
    'proxy_url = "udp://127.0.0.1:7000"',
    "[http]",
    "[[http.server]]",
    'bind_addr = ["127.0.0.1:8080", "127.0.0.2:0"]',
    "[[http.server.location]]",
    'rule = "/"',
    'static_response = "ok"',
  );
  assert.deepEqual(messages(source), [
    'http.server[0].bind_addr: "127.0.0.2:0" would give each of the 2 workers a port of its own, expected a port other than 0 when workers > 1 (line 11)',
    'stream.server[0].bind_addr: "127.0.0.1:0" would give each of the 2 workers a port of its own, expected a port other than 0 when workers > 1 (line 3)',
  ]);
  // --workers on the command line counts the same; with one worker port 0 is fine.
  assert.equal(
    messages(toml(...source.trim().split("\n").slice(1)), { workers: "auto" }).length,
    2,
  );
  loadConfigText(toml(...source.trim().split("\n").slice(1)));
});
