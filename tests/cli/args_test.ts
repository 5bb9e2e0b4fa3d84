import assert from "node:assert/strict";
import { type CliArgs, parseCli } from "../../lib/cli/args.ts";
import { UsageError } from "../../lib/cli/errors.ts";

function usageError(argv: string[], message: RegExp): void {
  assert.throws(() => parseCli(argv), (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
    assert.match(e.message, message);
    return true;
  }, `${JSON.stringify(argv)} was accepted`);
}

const RUN_DEFAULTS: CliArgs = {
  verb: "run",
  help: false,
  config: "wm.toml",
  url: undefined,
  control: undefined,
  disableControl: false,
  level: undefined,
  pidfile: undefined,
  bind: undefined,
  user: undefined,
  pass: undefined,
  flag: undefined,
  from: undefined,
  to: undefined,
  headers: undefined,
  tls: undefined,
  accessLog: undefined,
  ws: undefined,
  mode: undefined,
  domain: undefined,
  sharePorts: false,
};

Deno.test("parseCli() reads each verb with its flags", () => {
  assert.deepEqual(parseCli(["run", "-c", "wm.toml"]), RUN_DEFAULTS);
  assert.deepEqual(parseCli(["check", "--config", "wm.toml"]), { ...RUN_DEFAULTS, verb: "check" });
  assert.deepEqual(parseCli(["reload", "-u", "http://127.0.0.1:8837"]), {
    ...RUN_DEFAULTS,
    verb: "reload",
    config: undefined,
    url: "http://127.0.0.1:8837",
  });
  assert.deepEqual(parseCli(["stop", "-c", "wm.toml"]), { ...RUN_DEFAULTS, verb: "stop" });
  assert.equal(parseCli(["reload", "--url=http://127.0.0.1:1"]).url, "http://127.0.0.1:1");
  assert.equal(parseCli(["version"]).verb, "version");
  assert.equal(parseCli(["version"]).help, false);
});

Deno.test("parseCli() treats a bare -c FILE as run", () => {
  assert.deepEqual(parseCli(["-c", "wm.toml"]), RUN_DEFAULTS);
  assert.deepEqual(parseCli(["--config", "wm.toml"]), RUN_DEFAULTS);
  assert.deepEqual(parseCli(["--config=wm.toml"]), RUN_DEFAULTS);
  assert.deepEqual(parseCli(["--pidfile", "wm.pid", "-c", "wm.toml"]), {
    ...RUN_DEFAULTS,
    pidfile: "wm.pid",
  });
});

Deno.test("parseCli() reads the shared flags", () => {
  assert.deepEqual(
    parseCli([
      "run",
      "-c",
      "wm.toml",
      "--control",
      "127.0.0.1:9999",
      "--disable-control",
      "--pidfile",
      "/tmp/wm.pid",
      "--default-level",
      "error",
      "--share-ports",
    ]),
    {
      ...RUN_DEFAULTS,
      control: "127.0.0.1:9999",
      disableControl: true,
      sharePorts: true,
      pidfile: "/tmp/wm.pid",
      level: "error",
    },
  );
  assert.equal(parseCli(["stop", "--control", "127.0.0.1:1"]).control, "127.0.0.1:1");
});

Deno.test("parseCli() without arguments or with help asks for help", () => {
  assert.equal(parseCli([]).verb, "help");
  assert.equal(parseCli([]).help, true);
  assert.deepEqual([parseCli(["help"]).verb, parseCli(["help"]).help], ["help", true]);
  assert.deepEqual([parseCli(["--help"]).verb, parseCli(["--help"]).help], ["help", true]);
  assert.deepEqual([parseCli(["-h"]).verb, parseCli(["-h"]).help], ["help", true]);
});

Deno.test("parseCli() gives each verb its own --help, without requiring its flags", () => {
  for (const verb of ["run", "check", "reload", "stop", "version"] as const) {
    for (const flag of ["--help", "-h"]) {
      const args = parseCli([verb, flag]);
      assert.equal(args.verb, verb);
      assert.equal(args.help, true, `${verb} ${flag}`);
    }
  }
});

Deno.test("parseCli() answers --version and -V with the version verb", () => {
  assert.equal(parseCli(["--version"]).verb, "version");
  assert.equal(parseCli(["-V"]).verb, "version");
});

Deno.test("parseCli() maps -v to the debug level unless a level is given", () => {
  assert.equal(parseCli(["-c", "wm.toml", "-v"]).level, "debug");
  assert.equal(parseCli(["run", "-c", "wm.toml", "--verbose"]).level, "debug");
  assert.equal(parseCli(["-c", "wm.toml", "-v", "--default-level", "error"]).level, "error");
  assert.equal(parseCli(["-c", "wm.toml"]).level, undefined);
});

Deno.test("parseCli() validates --default-level and accepts any case and 'warning'", () => {
  assert.equal(parseCli(["-c", "f", "--default-level", "TRACE"]).level, "trace");
  assert.equal(parseCli(["-c", "f", "--default-level", "Warning"]).level, "warn");
  assert.equal(parseCli(["-c", "f", "--default-level=fatal"]).level, "fatal");
  usageError(
    ["-c", "f", "--default-level", "loud"],
    /^--default-level: "loud" is not a log level, expected one of trace, debug, info, warn, error, fatal$/,
  );
});

Deno.test("parseCli() refuses an unknown command", () => {
  usageError(["frobnicate"], /^unknown command "frobnicate"$/);
  usageError(["Run", "-c", "f"], /^unknown command "Run"$/);
});

Deno.test("parseCli() refuses unknown flags and flags of another verb", () => {
  usageError(["run", "--bogus", "-c", "f"], /^Unknown option '--bogus'$/);
  usageError(["-x"], /^Unknown option '-x'$/);
  usageError(["run", "-u", "http://127.0.0.1:1", "-c", "f"], /^Unknown option '-u'$/);
  usageError(["version", "-c", "f"], /^Unknown option '-c'$/);
});

Deno.test("parseCli() refuses a flag without its value and stray arguments", () => {
  usageError(["run", "-c"], /argument missing/);
  usageError(["check", "-c", "f", "extra"], /^Unexpected argument 'extra'/);
});

Deno.test("parseCli() requires a config file for run and check", () => {
  usageError(["run"], /^run needs a config file: -c FILE$/);
  usageError(["check"], /^check needs a config file: -c FILE$/);
  usageError(["run", "--pidfile", "p"], /^run needs a config file/);
});

Deno.test("parseCli() requires a way to reach the instance for reload and stop", () => {
  usageError(["reload"], /^reload needs -c FILE, -u URL or --control ADDR$/);
  usageError(["stop", "-v"], /^stop needs -c FILE, -u URL or --control ADDR$/);
});

Deno.test("parseCli() reads the proxy verb's flags", () => {
  assert.deepEqual(
    parseCli(["proxy", "-b", "127.0.0.1:8090", "--user", "u", "--pass", "p", "--flag", "socks5"]),
    {
      ...RUN_DEFAULTS,
      verb: "proxy",
      config: undefined,
      bind: "127.0.0.1:8090",
      user: "u",
      pass: "p",
      flag: "socks5",
    },
  );
  assert.equal(parseCli(["proxy"]).verb, "proxy");
});

Deno.test("parseCli() reads ws-proxy's -f -t --mode --domain and reverse-proxy's --ws", () => {
  assert.deepEqual(
    parseCli([
      "ws-proxy",
      "-f",
      "127.0.0.1:8869",
      "-t",
      "ws://127.0.0.1:81/",
      "--mode",
      "tcp2ws",
      "--domain",
      "a.test",
    ]),
    {
      ...RUN_DEFAULTS,
      verb: "ws-proxy",
      config: undefined,
      from: "127.0.0.1:8869",
      to: "ws://127.0.0.1:81/",
      mode: "tcp2ws",
      domain: "a.test",
    },
  );
  assert.equal(
    parseCli(["reverse-proxy", "-f", "127.0.0.1:1", "-t", "127.0.0.1:2", "--ws"]).ws,
    true,
  );
  usageError(
    ["ws-proxy", "-f", "127.0.0.1:8869", "-t", "127.0.0.1:81"],
    /ws-proxy needs -f FROM, -t TO and --mode/,
  );
  usageError(["proxy", "--mode", "ws2tcp"], /mode/);
});
