import assert from "node:assert/strict";
import { loadConfigText } from "../../lib/config/load.ts";
import { redact } from "../../lib/config/redact.ts";

Deno.test("redact() replaces every secret key at any depth", () => {
  const input = {
    control: "127.0.0.1:8837",
    control_token: "t0ken",
    proxy: {
      username: "wmproxy",
      password: "hunter2",
      map_key: "key.pem",
      mappings: [{ name: "web", token: "abc", secret: "s", key: "k.pem", domain: "localhost" }],
    },
  };
  assert.deepEqual(redact(input), {
    control: "127.0.0.1:8837",
    control_token: "[redacted]",
    proxy: {
      username: "wmproxy",
      password: "[redacted]",
      map_key: "[redacted]",
      mappings: [{
        name: "web",
        token: "[redacted]",
        secret: "[redacted]",
        key: "[redacted]",
        domain: "localhost",
      }],
    },
  });
});

Deno.test("redact() keeps unset secrets visible as unset", () => {
  assert.deepEqual(redact({ control_token: null, password: "", token: undefined }), {
    control_token: null,
    password: "",
    token: undefined,
  });
});

Deno.test("redact() replaces a secret key even when its value is not a string", () => {
  assert.deepEqual(redact({ secret: { nested: "x" }, token: 1234 }), {
    secret: "[redacted]",
    token: "[redacted]",
  });
});

Deno.test("redact() copies and leaves its input untouched", () => {
  const input = { password: "p", list: [{ token: "t" }], n: 1 };
  const out = redact(input) as typeof input;
  assert.notEqual(out, input);
  assert.notEqual(out.list, input.list);
  assert.deepEqual(input, { password: "p", list: [{ token: "t" }], n: 1 });
});

Deno.test("redact() passes scalars and arrays of scalars through", () => {
  assert.equal(redact("password"), "password");
  assert.equal(redact(5), 5);
  assert.equal(redact(null), null);
  assert.deepEqual(redact(["a", 1, true]), ["a", 1, true]);
});

Deno.test("redact() hides control_token of a loaded, frozen config", () => {
  const { config } = loadConfigText('control = "0.0.0.0:8837"\ncontrol_token = "s3cret"\n');
  const out = redact(config) as Record<string, unknown>;
  assert.equal(out.control_token, "[redacted]");
  assert.equal(out.control, "0.0.0.0:8837");
  assert.equal(config.control_token, "s3cret");
  assert.ok(!JSON.stringify(out).includes("s3cret"));
});

Deno.test("redact() hides the values of credential header rules, keeping direction and name", () => {
  const input = {
    http: {
      headers: ["proxy Authorization 'Basic dXNlcjpwYXNz'", "+ X-Served-By wmproxy"],
      server: [{
        headers: [
          "proxy Cookie 'session=abc123'",
          "Set-Cookie 'id=42; HttpOnly'",
          "+ X-Api-Token t-123",
          "proxy Proxy-Authorization 'Basic Zm9v'",
          "proxy X-Real-IP {client_ip}",
          "- Cookie",
          "proxy X-Client-Secret s3",
        ],
      }],
    },
  };
  const out = JSON.stringify(redact(input));
  for (const secret of ["dXNlcjpwYXNz", "abc123", "id=42", "t-123", "Zm9v", "s3"]) {
    assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  }
  assert.deepEqual(redact(input), {
    http: {
      headers: ["proxy Authorization [redacted]", "+ X-Served-By wmproxy"],
      server: [{
        headers: [
          "proxy Cookie [redacted]",
          "Set-Cookie [redacted]",
          "+ X-Api-Token [redacted]",
          "proxy Proxy-Authorization [redacted]",
          "proxy X-Real-IP {client_ip}",
          "- Cookie",
          "proxy X-Client-Secret [redacted]",
        ],
      }],
    },
  });
});

Deno.test("redact() hides credential values in a loaded config's parsed header_rules too", () => {
  const { config } = loadConfigText(`
[http]
headers = ["proxy Authorization 'Basic c2VjcmV0'", "proxy X-Real-IP {client_ip}"]
[[http.server]]
bind_addr = "127.0.0.1:0"
[[http.server.location]]
rule = "/"
proxy_url = "http://127.0.0.1:1"
`);
  const out = JSON.stringify(redact(config));
  assert.ok(!out.includes("c2VjcmV0"), out);
  assert.ok(out.includes("{client_ip}"), out);
});
