import assert from "node:assert/strict";
import { parseCli } from "../../lib/cli/args.ts";
import { fileServerConfig } from "../../lib/cli/file_server_config.ts";
import { validate } from "../../lib/config/validate.ts";

Deno.test("parseCli() reads the file-server verb's flags with wmproxy's defaults", () => {
  const plain = parseCli(["file-server"]);
  assert.equal(plain.verb, "file-server");
  assert.deepEqual(plain.fileServer, {
    root: "",
    listen: ["127.0.0.1:8869"],
    listenSsl: [],
    cert: undefined,
    key: undefined,
    domain: undefined,
    browse: false,
    robots: undefined,
    path404: undefined,
    cacheTime: undefined,
    extMimetype: [],
    cors: false,
  });
  const full = parseCli([
    "file-server",
    "-r",
    "www",
    "-l",
    "127.0.0.1:1",
    "-l",
    "[::1]:2",
    "-b",
    "--robots",
    "no",
    "--path404",
    "404.html",
    "-c",
    "1h",
    "-e",
    "md=text/markdown",
    "--cors",
    "-H",
    "+ X a",
    "--access-log",
    "a.log",
    "-d",
    "example.test",
  ]);
  assert.deepEqual(full.fileServer, {
    root: "www",
    listen: ["127.0.0.1:1", "[::1]:2"],
    listenSsl: [],
    cert: undefined,
    key: undefined,
    domain: "example.test",
    browse: true,
    robots: "no",
    path404: "404.html",
    cacheTime: "1h",
    extMimetype: ["md=text/markdown"],
    cors: true,
  });
  assert.deepEqual([full.headers, full.accessLog], [["+ X a"], "a.log"]);
  assert.equal(parseCli(["proxy"]).fileServer, undefined, "other verbs carry no file-server flags");
});

Deno.test("fileServerConfig() builds one server with one file_server location that validates", () => {
  const args = parseCli(["file-server", "-r", "www", "-b", "-c", "60", "-e", "md=text/markdown"]);
  const { config, warnings } = validate(fileServerConfig(args.fileServer!), "");
  assert.deepEqual(warnings, []);
  const server = config.http!.server[0];
  assert.deepEqual(server.bind_addr, ["127.0.0.1:8869"]);
  const fs = server.location[0].file_server!;
  assert.deepEqual([fs.root, fs.prefix, fs.browse, fs.cache_time, fs.ext_mimetype], [
    "www",
    "",
    true,
    60,
    { md: "text/markdown" },
  ]);
});
