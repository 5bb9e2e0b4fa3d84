import assert from "node:assert/strict";
import { expandCandidate, parseTryPaths, type TryPaths } from "../../lib/reverse/try_paths.ts";
import { VAR_PATH } from "../../lib/http/variables.ts";

const at = (path: string) => ({ variable: (code: number) => (code === VAR_PATH ? path : "") });

Deno.test("parseTryPaths() reads wmproxy's syntax: templates, quoted regex rewrites, =status", () => {
  const parsed = parseTryPaths(
    "{path}/ '/ro(\\w+)/(.*) {path} /ro$1/Cargo.toml' /root/README.md",
  ) as TryPaths;
  assert.equal(parsed.failStatus, 404);
  assert.deepEqual(
    parsed.candidates.map((c) => expandCandidate(c, at("/root/src/x"))),
    ["/root/src/x/", "/root/Cargo.toml", "/root/README.md"],
  );
  const withStatus = parseTryPaths('{path} "/a/(.*) {path} /b/$1" =410') as TryPaths;
  assert.equal(withStatus.failStatus, 410);
  assert.deepEqual(withStatus.candidates.map((c) => expandCandidate(c, at("/a/x/y"))), [
    "/a/x/y",
    "/b/x/y",
  ]);
});

Deno.test("parseTryPaths() explains what is wrong", () => {
  assert.equal(parseTryPaths("'{path}"), "has an unclosed quote");
  assert.equal(parseTryPaths("=404"), "has no candidate path");
  assert.match(parseTryPaths("{path} =4x") as string, /not a status/);
  assert.match(parseTryPaths("'/a( {path} /b'") as string, /not a valid regular expression/);
  assert.match(parseTryPaths("'/a {path}'") as string, /expected 'REGEX INPUT REPLACEMENT'/);
});
