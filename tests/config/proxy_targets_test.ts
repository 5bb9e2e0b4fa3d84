import assert from "node:assert/strict";
import { ConfigErrors } from "../../lib/config/errors.ts";
import { loadConfigText } from "../../lib/config/load.ts";

Deno.test("validate() reads [proxy] target_allow and target_deny as words or arrays", () => {
  const { config } = loadConfigText(`[proxy]
target_allow = "127.0.0.1:8080 [::1]:80"
target_deny = ["10.0.0.0/8", "*:25"]
`);
  assert.deepEqual(config.proxy!.target_allow, ["127.0.0.1:8080", "[::1]:80"]);
  assert.deepEqual(config.proxy!.target_deny, ["10.0.0.0/8", "*:25"]);
});

Deno.test("validate() names every invalid target with its key path and line", () => {
  assert.throws(
    () => loadConfigText(`[proxy]\nbind_addr = "127.0.0.1:8090"\ntarget_deny = "10.0.0.0/33 ok"\n`),
    (e: unknown) => {
      assert.ok(e instanceof ConfigErrors);
      assert.match(
        e.message,
        /proxy\.target_deny: "10\.0\.0\.0\/33", "ok" are not valid, expected targets such as .* \(line 3\)/,
      );
      return true;
    },
  );
});
