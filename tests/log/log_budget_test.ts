import assert from "node:assert/strict";
import { LogBudget } from "../../lib/log/log_budget.ts";

Deno.test("LogBudget.take() allows one line per interval and tells how many were skipped", () => {
  const budget = new LogBudget(1000);
  assert.equal(budget.take(0), 0);
  assert.equal(budget.take(10), null);
  assert.equal(budget.take(999), null);
  assert.equal(budget.take(1000), 2);
  assert.equal(budget.take(1500), null);
  assert.equal(budget.take(5000), 1);
  assert.equal(budget.take(6000), 0);
});
