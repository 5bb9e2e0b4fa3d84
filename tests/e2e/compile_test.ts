import assert from "node:assert/strict";
import { decoder } from "../_support/bytes.ts";

// `deno compile` downloads its runtime (denort) unless DENORT_BIN points at a local copy, and
// these machines cannot reach that download.
const denort = Deno.env.get("DENORT_BIN");
if (!denort) {
  console.log(
    "compile_test: skipped — DENORT_BIN is not set, and `deno compile` would have to download " +
      "the denort runtime, which this machine cannot reach",
  );
}
const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "deno task compile builds a wmproxy binary that runs check and version",
  ignore: !denort,
  async fn() {
    const out = `${ROOT}wmproxy`;
    try {
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["task", "compile"],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(build.code, 0, decoder.decode(build.stderr));
      const version = await new Deno.Command(out, { args: ["version"], stdout: "piped" }).output();
      assert.equal(version.code, 0);
      assert.match(decoder.decode(version.stdout), /^wmproxy \d+\.\d+\.\d+/);
      const check = await new Deno.Command(out, {
        args: ["check", "-c", `${ROOT}config.example.toml`],
        stdout: "piped",
      }).output();
      assert.equal(check.code, 0);
    } finally {
      await Deno.remove(out).catch(() => {});
    }
  },
});
