import assert from "node:assert/strict";
import { pickVersionLine } from "../lib/machine.ts";

Deno.test("pickVersionLine() takes the first line, or the first matching one", () => {
  const socat = "socat by Gerhard Rieger and contributors\nsocat version 1.7.4.4 on 06 Nov 2022\n";
  assert.equal(pickVersionLine(socat), "socat by Gerhard Rieger and contributors");
  assert.equal(pickVersionLine(socat, /^socat version/), "socat version 1.7.4.4 on 06 Nov 2022");
  assert.equal(pickVersionLine("\n\n"), "unknown");
});
