import assert from "node:assert/strict";
import { ConnTracker } from "../../lib/net/conn_tracker.ts";
import { openClients, servedCount } from "../../lib/net/conn_gauge.ts";

const closable = () => ({ close() {} });

Deno.test("ConnTracker.handOn: a connection re-added under a wrapper is accepted and open once", () => {
  const tracker = new ConnTracker();
  const before = openClients();
  const served = servedCount();
  const raw = closable();
  tracker.add(raw);
  tracker.handOn(raw);
  const wrapper = closable();
  tracker.add(wrapper);
  assert.equal(tracker.accepted, 1);
  assert.equal(tracker.size, 1);
  assert.equal(openClients(), before + 1);
  assert.equal(servedCount(), served + 1);
  tracker.delete(wrapper);
  assert.equal(tracker.size, 0);
  assert.equal(openClients(), before);
});
