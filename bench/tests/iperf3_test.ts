import assert from "node:assert/strict";
import { parseIperf3Report } from "../lib/iperf3.ts";

Deno.test("parseIperf3Report() converts the totals to Gbit/s", () => {
  const result = parseIperf3Report({
    end: {
      sum_sent: { bits_per_second: 20e9, retransmits: 2 },
      sum_received: { bits_per_second: 19.5e9, bytes: 12e9 },
    },
  });
  assert.deepEqual(result, {
    receivedGbps: 19.5,
    sentGbps: 20,
    receivedBytes: 12e9,
    retransmits: 2,
  });
});

Deno.test("parseIperf3Report() throws iperf3's own error", () => {
  assert.throws(
    () => parseIperf3Report({ error: "unable to connect to server: Connection refused" }),
    /iperf3: unable to connect/,
  );
});
