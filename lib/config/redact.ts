import { parseHeaderRule } from "../reverse/header_rule_syntax.ts";
import type { HeaderRule } from "../reverse/types.ts";

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

/** Header fields whose values are credentials. */
const CREDENTIAL_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
]);
const CREDENTIAL_WORDS = /token|secret|key|password/i;

/**
 * A deep copy of a config with passwords, tokens and keys replaced, for `/now`; header rules
 * (`headers = [...]`) keep their direction and name but lose the value when the field carries
 * credentials (Authorization, Cookie, names with token, secret, key or password).
 */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEYS.has(k) && v !== null && v !== undefined && v !== "") out[k] = REDACTED;
    else if ((k === "headers" || k === "header_rules") && Array.isArray(v)) {
      out[k] = v.map(redactHeaderRule);
    } else out[k] = redact(v);
  }
  return out;
}

function isCredential(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_WORDS.test(lower);
}

/** A rule as written (`headers`), or as parsed (`header_rules`). */
function redactHeaderRule(rule: unknown): unknown {
  if (typeof rule !== "string") {
    const parsed = rule as HeaderRule;
    if (typeof parsed?.name !== "string" || !isCredential(parsed.name)) return redact(rule);
    return { ...parsed, value: parsed.value === "" ? "" : REDACTED };
  }
  let parsed: HeaderRule;
  try {
    parsed = parseHeaderRule(rule);
  } catch {
    // Not a rule we understand (validation refuses it): show nothing that might be a secret.
    return CREDENTIAL_WORDS.test(rule) || /authorization|cookie/i.test(rule) ? REDACTED : rule;
  }
  if (!isCredential(parsed.name)) return rule;
  switch (parsed.op) {
    case "proxy":
      return `proxy ${parsed.name} ${REDACTED}`;
    case "add":
      return `+ ${parsed.name} ${REDACTED}`;
    case "remove":
      return rule;
    default:
      return `${parsed.name} ${REDACTED}`;
  }
}
