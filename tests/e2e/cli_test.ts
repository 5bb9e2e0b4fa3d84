import assert from "node:assert/strict";
import { randomBytes } from "../_support/bytes.ts";
import { roundTrip } from "../_support/io.ts";
import { startServer } from "../_support/origins.ts";
import { freePort, refuses } from "../_support/ports.ts";
import { runMain, startInstance } from "../_support/process.ts";
import { tempDir } from "../_support/temp.ts";

const VERBS = ["run", "check", "reload", "stop", "version"] as const;

// Expected failures print messages, never a stack trace or Deno's uncaught-error report.
function assertNoStackTrace(stderr: string): void {
  assert.ok(!/^\s+at /m.test(stderr), `stack frames on stderr:\n${stderr}`);
  assert.ok(!stderr.includes("error: Uncaught"), `uncaught error on stderr:\n${stderr}`);
}

// One tcp listener on `listen` forwarding to an echo server on `backend`.
function forwardConfig(ctl: number, listen: number, backend: number, more = ""): string {
  return `control = "127.0.0.1:${ctl}"
[[stream.upstream]]
name = "echo"
server = [{ addr = "127.0.0.1:${backend}" }]

[[stream.server]]
bind_addr = "127.0.0.1:${listen}"
up_name = "echo"
${more}`;
}

async function assertEchoes(port: number): Promise<void> {
  const payload = randomBytes(32 * 1024);
  assert.deepEqual(await roundTrip(port, payload), payload);
}

async function assertMissing(path: string): Promise<void> {
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
}

Deno.test("wmproxy check of a valid file exits 0 and lists its listeners without binding", async () => {
  const dir = await tempDir();
  // Held open for the whole test: check must not try to bind it.
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busyPort = (busy.addr as Deno.NetAddr).port;
  try {
    const file = `${dir.path}/valid.toml`;
    await Deno.writeTextFile(
      file,
      `control = "127.0.0.1:8839"
[proxy]
bind_addr = "0.0.0.0:8090"

[[stream.upstream]]
name = "pair"
server = [{ addr = "127.0.0.1:7000" }, { addr = "127.0.0.1:7001", weight = 3 }]

[[stream.server]]
bind_addr = "127.0.0.1:${busyPort}"
up_name = "pair"

[[stream.server]]
bind_addr = "127.0.0.1:9001"
proxy_url = "tcp://127.0.0.1:8082"
`,
    );
    const { code, stdout, stderr } = await runMain(["check", "-c", file]);
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout,
      [
        `${file}: ok, 3 listeners`,
        "  proxy  http,https,socks5 0.0.0.0:8090 (no auth)",
        `  stream.server[0]  tcp 127.0.0.1:${busyPort} → 127.0.0.1:7000 (weight 100), 127.0.0.1:7001 (weight 3)`,
        "  stream.server[1]  tcp 127.0.0.1:9001 → 127.0.0.1:8082 (weight 100)",
        "  control  127.0.0.1:8839",
        "",
      ].join("\n"),
    );
    assert.equal(
      stderr,
      'warning: proxy.bind_addr: OPEN PROXY: "0.0.0.0:8090" is reachable from other machines and needs no credentials; set username/password or allow_ip (line 3)\n',
    );
  } finally {
    busy.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy check of an invalid file exits 2 with every error, path and line, no stack trace", async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/invalid.toml`;
    await Deno.writeTextFile(
      file,
      `control = "0.0.0.0:8837"
[[stream.upstream]]
name = "echo"
server = [{ addr = "127.0.0.1:7000" }]

[[stream.server]]
bind_addr = "127.0.0.1:9000"
up_name = "ech0"

[[stream.server]]
bind_addr = "1.2.3.4:99999"
up_name = "echo"
timeout = "soon"
`,
    );
    const { code, stdout, stderr } = await runMain(["check", "-c", file]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      [
        `${file}: 4 errors`,
        '  control: "0.0.0.0:8837" is not a loopback address and control_token is not set, ' +
        "expected a loopback address, or control_token set (line 1)",
        '  stream.server[0].up_name: "ech0" names no [[stream.upstream]], expected one of "echo" (line 8)',
        '  stream.server[1].bind_addr: "1.2.3.4:99999" is not a valid address, ' +
        'expected host:port such as "127.0.0.1:8080" (line 11)',
        '  stream.server[1].timeout: "soon" is not a duration, ' +
        'expected seconds or a string like "10s", "5m" (line 13)',
        "",
      ].join("\n"),
    );
    assertNoStackTrace(stderr);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("wmproxy check of a file with bad TOML exits 2 with the parser's line", async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/syntax.toml`;
    await Deno.writeTextFile(file, 'control = "127.0.0.1:8837"\n\n[stream\n');
    const { code, stdout, stderr } = await runMain(["check", "-c", file]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, new RegExp(`^${file}: 1 error\n {2}invalid TOML: .+ \\(line 3\\)\n$`));
    assertNoStackTrace(stderr);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("wmproxy check of a missing file exits 2 naming the file", async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/absent.toml`;
    const { code, stdout, stderr } = await runMain(["check", "-c", file]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(stderr, `${file}: 1 error\n  cannot read the file: no such file\n`);
    assertNoStackTrace(stderr);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("wmproxy run of a missing file exits 2 without starting", async () => {
  const dir = await tempDir();
  try {
    const file = `${dir.path}/absent.toml`;
    const { code, stderr } = await runMain(["-c", file]);
    assert.equal(code, 2);
    assert.equal(stderr, `${file}: 1 error\n  cannot read the file: no such file\n`);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("wmproxy with an unknown verb or a bad flag exits 2 with a usage message", async () => {
  const cases: [string[], string][] = [
    [["frobnicate"], `wmproxy: unknown command "frobnicate"; see 'wmproxy --help'\n`],
    [
      ["check", "--bogus", "-c", "x.toml"],
      "wmproxy: Unknown option '--bogus'; see 'wmproxy --help'\n",
    ],
    [["check"], "wmproxy: check needs a config file: -c FILE; see 'wmproxy --help'\n"],
    [
      ["reload"],
      "wmproxy: reload needs -c FILE, -u URL or --control ADDR; see 'wmproxy --help'\n",
    ],
    [
      ["run", "-c", "x.toml", "--default-level", "loud"],
      'wmproxy: --default-level: "loud" is not a log level, expected one of trace, debug, info, ' +
      "warn, error, fatal; see 'wmproxy --help'\n",
    ],
  ];
  const results = await Promise.all(cases.map(([args]) => runMain(args)));
  for (const [i, { code, stdout, stderr }] of results.entries()) {
    const args = cases[i][0].join(" ");
    assert.equal(code, 2, `wmproxy ${args}: exit ${code}\n${stderr}`);
    assert.equal(stdout, "", `wmproxy ${args}`);
    assert.equal(stderr, cases[i][1], `wmproxy ${args}`);
  }
});

Deno.test("wmproxy version prints the version from deno.json and exits 0", async () => {
  const denoJson = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  const expected = `wmproxy ${denoJson.version} (deno ${Deno.version.deno})\n`;
  for (const args of [["version"], ["--version"], ["-V"]]) {
    const { code, stdout, stderr } = await runMain(args);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, expected, args.join(" "));
  }
});

Deno.test("wmproxy --help and each verb's --help exit 0 with that verb's usage", async () => {
  const top = await Promise.all([runMain([]), runMain(["--help"]), runMain(["help"])]);
  for (const { code, stdout, stderr } of top) {
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^wmproxy — /);
    assert.match(stdout, /\nUsage: wmproxy <command> \[flags\]\n/);
    for (const verb of VERBS) assert.match(stdout, new RegExp(`\n {2}${verb} `), verb);
  }
  const byVerb = await Promise.all(VERBS.map((verb) => runMain([verb, "--help"])));
  for (const [i, { code, stdout, stderr }] of byVerb.entries()) {
    assert.equal(code, 0, stderr);
    assert.ok(stdout.startsWith(`Usage: wmproxy ${VERBS[i]}`), `${VERBS[i]} --help:\n${stdout}`);
  }
});

Deno.test("wmproxy reload -c and stop -c drive a running instance; stop exits it with 0", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const first = freePort();
  const second = freePort();
  const inst = await startInstance(dir.path, forwardConfig(ctl, first, backend.port));
  try {
    await assertEchoes(first);
    assert.ok(await refuses(second));
    // A second listener appears on reload.
    await Deno.writeTextFile(
      inst.configPath,
      forwardConfig(
        ctl,
        first,
        backend.port,
        `[[stream.server]]\nbind_addr = "127.0.0.1:${second}"\nup_name = "echo"\n`,
      ),
    );
    const reload = await runMain(["reload", "-c", inst.configPath]);
    assert.equal(reload.code, 0, reload.stderr);
    assert.equal(reload.stdout, "reloaded\n");
    await assertEchoes(second);
    await assertEchoes(first);

    const stop = await runMain(["stop", "-c", inst.configPath]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout, "stopping\n");
    const status = await inst.exited();
    assert.equal(status.code, 0, inst.log());
    assert.ok(await refuses(first));
    assert.ok(await refuses(second));
    assert.ok(await refuses(ctl));
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy reload -u URL and stop --control ADDR reach the instance without a file", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const inst = await startInstance(dir.path, forwardConfig(ctl, port, backend.port));
  try {
    const from = inst.lines.length;
    const reload = await runMain(["reload", "-u", `http://127.0.0.1:${ctl}`]);
    assert.equal(reload.code, 0, reload.stderr);
    assert.equal(reload.stdout, "reloaded\n");
    await assertEchoes(port);
    const stop = await runMain(["stop", "--control", `127.0.0.1:${ctl}`]);
    assert.equal(stop.code, 0, stop.stderr);
    await inst.waitFor(/stopped/, from);
    assert.equal((await inst.exited()).code, 0, inst.log());
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy reload of an invalid file exits 2 and the instance keeps serving", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const inst = await startInstance(dir.path, forwardConfig(ctl, port, backend.port));
  try {
    await Deno.writeTextFile(
      inst.configPath,
      forwardConfig(ctl, port, backend.port).replace(
        `bind_addr = "127.0.0.1:${port}"`,
        'bind_addr = "127.0.0.1:99999"',
      ),
    );
    const bad = 'stream.server[0].bind_addr: "127.0.0.1:99999" is not a valid address, ' +
      'expected host:port such as "127.0.0.1:8080" (line 7)';

    // Through the file, the CLI itself finds the errors before asking the instance.
    const local = await runMain(["reload", "-c", inst.configPath]);
    assert.equal(local.code, 2);
    assert.equal(local.stdout, "");
    assert.equal(local.stderr, `${inst.configPath}: 1 error\n  ${bad}\n`);
    assertNoStackTrace(local.stderr);

    // Through the URL, the instance reads the file, refuses it and says why.
    const from = inst.lines.length;
    const remote = await runMain(["reload", "-u", `http://127.0.0.1:${ctl}`]);
    assert.equal(remote.code, 2);
    assert.equal(remote.stdout, "");
    assert.equal(
      remote.stderr,
      "wmproxy reload: invalid config; the running config is unchanged\n" +
        `  ${inst.configPath}: ${bad}\n`,
    );
    assertNoStackTrace(remote.stderr);
    await inst.waitFor(/reload refused, the running config is unchanged/, from);

    await assertEchoes(port);
    assert.equal(backend.accepted(), 1);
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy reload and stop exit 1 when nothing listens on the control address", async () => {
  const dir = await tempDir();
  try {
    const ctl = freePort();
    const file = `${dir.path}/idle.toml`;
    await Deno.writeTextFile(file, `control = "127.0.0.1:${ctl}"\n`);
    const results = await Promise.all([
      runMain(["reload", "-u", `http://127.0.0.1:${ctl}`]),
      runMain(["stop", "-u", `http://127.0.0.1:${ctl}`]),
      runMain(["reload", "-c", file]),
      runMain(["stop", "-c", file]),
    ]);
    for (const [i, { code, stdout, stderr }] of results.entries()) {
      const verb = i % 2 === 0 ? "reload" : "stop";
      assert.equal(code, 1, `case ${i}: ${stderr}`);
      assert.equal(stdout, "");
      assert.ok(
        stderr.startsWith(
          `wmproxy ${verb}: cannot reach the control endpoint at http://127.0.0.1:${ctl}/${verb}: `,
        ),
        stderr,
      );
      assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
      assertNoStackTrace(stderr);
    }
  } finally {
    await dir.cleanup();
  }
});

Deno.test("wmproxy run --pidfile writes the pid while running and removes it after stop", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const pidfile = `${dir.path}/wmproxy.pid`;
  const inst = await startInstance(
    dir.path,
    forwardConfig(ctl, port, backend.port),
    ["--pidfile", pidfile],
  );
  try {
    assert.equal(await Deno.readTextFile(pidfile), `${inst.process.pid}\n`);
    await assertEchoes(port);
    const stop = await runMain(["stop", "-c", inst.configPath]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await inst.exited()).code, 0, inst.log());
    await assertMissing(pidfile);
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy run writes the config's pidfile when no --pidfile is given", async () => {
  const dir = await tempDir();
  const backend = startServer();
  const ctl = freePort();
  const port = freePort();
  const pidfile = `${dir.path}/from-config.pid`;
  const inst = await startInstance(
    dir.path,
    `pidfile = ${JSON.stringify(pidfile)}\n${forwardConfig(ctl, port, backend.port)}`,
  );
  try {
    assert.equal(await Deno.readTextFile(pidfile), `${inst.process.pid}\n`);
    const stop = await runMain(["stop", "-u", `http://127.0.0.1:${ctl}`]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await inst.exited()).code, 0, inst.log());
    await assertMissing(pidfile);
  } finally {
    await inst.kill();
    await backend.close();
    await dir.cleanup();
  }
});

Deno.test("wmproxy reload/stop with a malformed -u or --control exits 2 without a stack trace", async () => {
  for (
    const args of [
      ["reload", "-u", "notaurl"],
      ["stop", "-u", "ftp://x"],
      ["stop", "--control", "bad addr"],
    ]
  ) {
    const { code, stderr } = await runMain(args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(
      stderr,
      /is not a control endpoint, expected a URL like http:\/\/127\.0\.0\.1:8837/,
    );
    assert.doesNotMatch(stderr, /\n\s+at |Uncaught/);
  }
});
