import assert from "node:assert/strict";
import { OwnPorts } from "../../lib/server/own_ports.ts";

/** A registry whose machine has the interface addresses `ifaces`; counts how often they are read. */
function registry(ifaces: string[] = ["10.1.2.3", "fd00::7"]) {
  const asked = { n: 0 };
  const own = new OwnPorts(() => {
    asked.n++;
    return ifaces;
  });
  return { own, asked };
}

Deno.test("OwnPorts.isSelf() is true for our ports on loopback, unspecified and interface addresses", () => {
  const { own } = registry();
  own.setListeners([8090, 9000]);
  own.setControl([8837]);
  for (const port of [8090, 9000, 8837]) {
    for (const ip of ["127.0.0.1", "127.9.9.9", "::1", "0.0.0.0", "::", "::ffff:127.0.0.1"]) {
      assert.equal(own.isSelf(ip, port), true, `${ip}:${port}`);
    }
    for (const ip of ["10.1.2.3", "::ffff:10.1.2.3", "fd00::7", "fd00:0:0::7"]) {
      assert.equal(own.isSelf(ip, port), true, `${ip}:${port}`);
    }
    for (const ip of ["10.1.2.4", "192.168.0.1", "fd00::8", "::a01:203"]) {
      assert.equal(own.isSelf(ip, port), false, `${ip}:${port}`);
    }
  }
});

Deno.test("OwnPorts.isSelf() is false for other ports and asks for interfaces only on a port match", () => {
  const { own, asked } = registry();
  own.setListeners([8090]);
  assert.equal(own.isSelf("127.0.0.1", 8091), false);
  assert.equal(own.isSelf("10.1.2.3", 80), false);
  assert.equal(own.isSelf("not an ip", 8090), false);
  assert.equal(own.isSelf("127.0.0.1", 8090), true);
  assert.equal(asked.n, 0);
  assert.equal(own.isSelf("192.0.2.1", 8090), false);
  assert.equal(asked.n, 1);
});

Deno.test("OwnPorts follows reloads: listener and control ports are replaced, not added", () => {
  const { own } = registry();
  own.setListeners([1000, 1001]);
  own.setControl([2000]);
  assert.equal(own.has(1001), true);
  own.setListeners([1000, 1002]);
  assert.equal(own.has(1001), false);
  assert.equal(own.has(1002), true);
  assert.equal(own.has(2000), true, "control ports are kept apart from listener ports");
  own.setControl([2000, 2001]); // while the control endpoint moves
  assert.equal(own.isSelf("127.0.0.1", 2001), true);
  own.setControl([2001]);
  assert.equal(own.isSelf("127.0.0.1", 2000), false);
  own.setControl([]);
  assert.equal(own.has(2001), false);
  assert.equal(own.has(1000), true);
});
