const SECRET_KEYS = new Set([
  "password",
  "control_token",
  "token",
  "secret",
  "key",
  "map_key",
  "key_pem",
  "cert_pem",
]);
const REDACTED = "[redacted]";

/** A deep copy of a config with passwords, tokens and keys replaced, for `/now`. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.has(k) && v !== null && v !== undefined && v !== "" ? REDACTED : redact(v);
  }
  return out;
}
