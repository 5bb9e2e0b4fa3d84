/**
 * Fuzzes the request and response head parsers and the body-length rules with seeded random
 * mutations of valid heads and of hostile shapes (smuggling framings, Host tricks, bare LF,
 * obs-fold, NUL, long lines, odd versions). Whatever the bytes, only {@link HttpError} may
 * escape; an accepted head must be unambiguous, and the head a proxy forwards for it must
 * parse back to the same body framing.
 *
 * `HEAD_FUZZ_SEED=<n>` replays a run (every failure message names its seed);
 * `HEAD_FUZZ_CASES=<n>` changes how many heads each test tries.
 */
import assert from "node:assert/strict";
import { type BodyLength, responseBodyLength } from "../../lib/http/body_length.ts";
import { endToEndHeaders } from "../../lib/http/connection.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { isFramingField, requestFraming } from "../../lib/http/framing.ts";
import { HeaderList } from "../../lib/http/headers.ts";
import { parseRequestHead, type RequestHead } from "../../lib/http/request_head.ts";
import { parseResponseHead, type ResponseHead } from "../../lib/http/response_head.ts";
import { serializeRequestHead, serializeResponseHead } from "../../lib/http/serialize.ts";
import { isValidHost } from "../../lib/http/target.ts";

const SEED = Number(Deno.env.get("HEAD_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 32));
const CASES = Number(Deno.env.get("HEAD_FUZZ_CASES") ?? 20_000);

/** mulberry32: a small, fast, seedable PRNG; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random source with the helpers the mutators need. */
class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
}

const REQUESTS = [
  "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
  "GET /p?q=1 HTTP/1.1\r\nHost: a.test:8080\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
  "POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\n",
  "POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n",
  "PUT /x HTTP/1.0\r\nContent-Length: 12\r\n\r\n",
  "GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\nProxy-Connection: keep-alive\r\n\r\n",
  "GET http://[::1]:8080/ HTTP/1.1\r\nHost: \r\n\r\n",
  "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\nContent-Length: 3\r\n\r\n",
  "OPTIONS * HTTP/1.1\r\nHost: a.test\r\n\r\n",
  "DELETE /r HTTP/1.1\r\nHost: 10.0.0.1\r\nConnection: close, x-hop\r\nX-Hop: 1\r\nTE: trailers\r\n\r\n",
];

const RESPONSES = [
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
  "HTTP/1.1 204 No Content\r\n\r\n",
  "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
  'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: "x"\r\n\r\n',
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
  "HTTP/1.1 200 \r\nTransfer-Encoding: gzip\r\n\r\n",
  "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3, 3\r\n\r\n",
];

/** Field lines that smugglers and confused clients send. */
const HOSTILE_LINES = [
  "Transfer-Encoding: chunked",
  "Transfer-Encoding: CHUNKED",
  "Transfer-Encoding: identity, chunked",
  "Transfer-Encoding: gzip, chunked",
  "Transfer-Encoding: chunked, chunked",
  "Transfer-Encoding: chunked, identity",
  "Transfer-Encoding: xchunked",
  "Transfer-Encoding:\tchunked",
  "Transfer-Encoding: chunked\t",
  "Transfer-Encoding: \x0bchunked",
  "Transfer-Encoding : chunked",
  "Transfer-Encoding:",
  " Transfer-Encoding: chunked",
  "Content-Length: 0",
  "Content-Length: 5",
  "Content-Length: 5, 5",
  "Content-Length: 5, 6",
  "Content-Length: +5",
  "Content-Length: -1",
  "Content-Length: 0x5",
  "Content-Length: 05",
  "Content-Length: 99999999999999999999",
  "Content-Length:",
  "Content-Length: 5 5",
  "Host: b.test",
  "Host: name..",
  "Host: a b",
  "Host: a@b",
  "Host: [::1]:80",
  "Host: a.test:99999",
  "Host:",
  "host: A.TEST",
  "X-Null: a\x00b",
  "X-Fold: a\r\n b",
  "X-Bare: a\nInjected: 1",
  "X-CR: a\rb",
  "X-Latin: caf\xe9",
  "X-DEL: \x7f",
  "Connection: close, transfer-encoding",
  "Connection: content-length",
  "Upgrade: h2c",
  ":bad: 1",
  "No Colon",
];

const VERSIONS = [
  "HTTP/1.1",
  "HTTP/1.0",
  "HTTP/1.2",
  "HTTP/2.0",
  "HTTP/0.9",
  "http/1.1",
  "HTTP/1.10",
  "HTTP/1.1 ",
];
const BYTES = [0x00, 0x09, 0x0a, 0x0b, 0x0d, 0x20, 0x2c, 0x3a, 0x3b, 0x7f, 0x80, 0xff, 0x30, 0x41];

/** Splits a head into its lines (without CRLF), dropping the final empty line. */
function lines(head: string): string[] {
  return head.replace(/\r\n\r\n$/, "").split("\r\n");
}

/** One random change to `head` (text, one char per byte). */
function mutate(rng: Rng, head: string): string {
  const ls = lines(head);
  switch (rng.int(12)) {
    case 0: // a hostile field line, anywhere after the start line
      ls.splice(1 + rng.int(ls.length), 0, rng.pick(HOSTILE_LINES));
      break;
    case 1: // a line repeated
      if (ls.length > 1) ls.splice(1 + rng.int(ls.length - 1), 0, ls[1 + rng.int(ls.length - 1)]);
      break;
    case 2: // a field line removed
      if (ls.length > 1) ls.splice(1 + rng.int(ls.length - 1), 1);
      break;
    case 3: { // another version
      const parts = ls[0].split(" ");
      parts[parts.length - 1] = rng.pick(VERSIONS);
      ls[0] = parts.join(" ");
      break;
    }
    case 4: { // a field name's case changed
      const i = 1 + rng.int(Math.max(1, ls.length - 1));
      if (ls[i]) {
        ls[i] = ls[i].replace(/^[^:]*/, (n) => rng.int(2) ? n.toUpperCase() : n.toLowerCase());
      }
      break;
    }
    case 5: { // a long line: target, value or name
      const long = "x".repeat(rng.pick([100, 4000, 8200, 70_000]));
      const i = rng.int(ls.length);
      ls[i] = i === 0 ? ls[0].replace(" /", ` /${long}`) : `${ls[i]}${long}`;
      break;
    }
    case 6: // obs-fold: a continuation line
      ls.splice(1 + rng.int(ls.length), 0, rng.pick([" folded", "\tfolded", " chunked"]));
      break;
    case 7: { // a line ending becomes a bare LF or a bare CR
      const joined = ls.join("\r\n") + "\r\n\r\n";
      const at = [...joined.matchAll(/\r\n/g)].map((m) => m.index!);
      const i = rng.pick(at);
      return joined.slice(0, i) + rng.pick(["\n", "\r", "\n\r"]) + joined.slice(i + 2);
    }
    case 8: { // a head cut short
      const joined = ls.join("\r\n") + "\r\n\r\n";
      return joined.slice(0, rng.int(joined.length));
    }
    case 9: { // many fields
      const n = rng.pick([50, 99, 101, 200]);
      for (let i = 0; i < n; i++) ls.push(`X-F${i}: v`);
      break;
    }
    default: { // a byte inserted, replaced or removed
      const joined = ls.join("\r\n");
      const i = rng.int(joined.length + 1);
      const b = String.fromCharCode(rng.int(3) === 0 ? rng.int(256) : rng.pick(BYTES));
      const how = rng.int(3);
      const out = how === 0
        ? joined.slice(0, i) + b + joined.slice(i)
        : how === 1
        ? joined.slice(0, i) + b + joined.slice(i + 1)
        : joined.slice(0, i) + joined.slice(i + 1);
      return out + "\r\n\r\n";
    }
  }
  return ls.join("\r\n") + "\r\n\r\n";
}

/** A random input: a base head with one to four changes. */
function generate(rng: Rng, bases: readonly string[]): string {
  let head = rng.pick(bases);
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) head = mutate(rng, head);
  return head;
}

function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** What is wrong with an accepted header list: CR, LF or NUL in a name or value. */
function fieldProblems(headers: HeaderList): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.size; i++) {
    if (/[\r\n\0]/.test(headers.name(i)) || /[\r\n\0]/.test(headers.value(i))) {
      out.push(`field ${JSON.stringify([headers.name(i), headers.value(i)])} holds CR, LF or NUL`);
    }
  }
  return out;
}

/** Every Content-Length list element, as numbers (NaN for anything but digits). */
function lengths(headers: HeaderList): number[] {
  return headers.getAll("content-length").flatMap((v) =>
    v.split(",").map((p) => /^\s*\d+\s*$/.test(p) ? Number(p) : NaN)
  );
}

/** What is ambiguous about an accepted request: the fuzz test's invariants. */
function requestProblems(head: RequestHead): string[] {
  const out = fieldProblems(head.headers);
  const { headers, body } = head;
  if (/[\s\0]/.test(head.method) || /[\s\0]/.test(head.target)) {
    out.push("space or NUL in the request line");
  }
  const hosts = headers.getAll("host");
  if (hosts.length > 1) out.push(`${hosts.length} Host fields`);
  if (hosts.length === 0 && head.version === "HTTP/1.1") out.push("HTTP/1.1 without Host");
  if (
    hosts.length === 1 && !isValidHost(hosts[0]) && !(hosts[0] === "" && head.form === "absolute")
  ) {
    out.push(`invalid Host ${JSON.stringify(hosts[0])}`);
  }
  const te = headers.getAll("transfer-encoding");
  const cl = lengths(headers);
  if (body.kind === "chunked") {
    if (te.length !== 1 || te[0].toLowerCase() !== "chunked") {
      out.push(`chunked from Transfer-Encoding ${JSON.stringify(te)}`);
    }
    if (cl.length > 0) out.push("chunked beside Content-Length");
    if (head.version !== "HTTP/1.1") out.push("chunked in HTTP/1.0");
  } else if (body.kind === "length") {
    if (te.length > 0) out.push("a length beside Transfer-Encoding");
    if (cl.length === 0 || cl.some((n) => n !== body.length)) {
      out.push(
        `length ${body.length} from Content-Length ${
          JSON.stringify(headers.getAll("content-length"))
        }`,
      );
    }
  } else if (body.kind === "none" && head.method !== "CONNECT") {
    if (te.length > 0) out.push("no body beside Transfer-Encoding");
    if (cl.some((n) => n !== 0)) out.push("no body beside a non-zero Content-Length");
  } else if (body.kind === "close") {
    out.push("a request body read until close");
  }
  return out;
}

/** Limits for a forwarded head, which may grow by the fields a proxy adds (Host). */
const ROOMY = { maxStartLine: 1 << 20, maxHeaders: 1000, maxHeadSize: 1 << 20 };

/**
 * The head a proxy forwards for `head` (HTTP/1.1, end-to-end fields, a Host, framing as
 * {@link requestFraming} writes it), parsed again: its body framing must be the same.
 */
function reforwardProblems(head: RequestHead): string[] {
  if (head.method === "CONNECT") return []; // a tunnel, never forwarded as a request
  const fields = endToEndHeaders(head.headers);
  const headers = new HeaderList([["Host", head.headers.get("host") || "a.test"]]);
  for (let i = 0; i < fields.size; i++) {
    const lower = fields.lowerName(i);
    if (lower !== "host" && !isFramingField(lower)) {
      headers.addLower(fields.name(i), lower, fields.value(i));
    }
  }
  const framing = requestFraming(head);
  if (framing !== null) headers.add(framing[0], framing[1]);
  const target = head.form === "absolute" ? "/" : head.target;
  let again: RequestHead;
  try {
    again = parseRequestHead(serializeRequestHead({ method: head.method, target, headers }), ROOMY);
  } catch (e) {
    return [`the forwarded head does not parse: ${e}`];
  }
  return sameFraming(head.body, again.body);
}

function sameFraming(a: BodyLength, b: BodyLength): string[] {
  return JSON.stringify(a) === JSON.stringify(b)
    ? []
    : [`framing ${JSON.stringify(a)} became ${JSON.stringify(b)} once forwarded`];
}

/** What is wrong with an accepted response and the framing it gets after `method`. */
function responseProblems(head: ResponseHead, method: string): string[] {
  const out = fieldProblems(head.headers);
  let body: BodyLength;
  try {
    body = responseBodyLength(head, method);
  } catch (e) {
    if (e instanceof HttpError && e.status === 502) return out;
    throw e;
  }
  const te = head.headers.getAll("transfer-encoding").join(",").toLowerCase().split(",")
    .map((s) => s.split(";")[0].trim()).filter((s) => s !== "");
  if (body.kind === "chunked" && te.at(-1) !== "chunked") out.push(`chunked from ${te}`);
  if (body.kind === "length" && lengths(head.headers).some((n) => n !== body.length)) {
    out.push(`length ${body.length} from ${head.headers.getAll("content-length")}`);
  }
  // What the forward proxy sends its client: end-to-end fields, no Content-Length beside
  // chunked; the client must see the same framing.
  const headers = endToEndHeaders(head.headers);
  if (body.kind === "chunked") headers.delete("content-length");
  try {
    const again = parseResponseHead(
      serializeResponseHead({ status: head.status, reason: head.reason, headers }),
      ROOMY,
    );
    out.push(...sameFraming(body, responseBodyLength(again, method)));
  } catch (e) {
    out.push(`the forwarded head does not parse: ${e}`);
  }
  return out;
}

/** Runs `CASES` inputs; returns how many were accepted. Fails naming the seed and the input. */
function fuzz(
  label: string,
  seed: number,
  bases: readonly string[],
  check: (bytes: Uint8Array, rng: Rng) => string[],
  statuses: readonly number[],
): number {
  const rng = new Rng(seed);
  let accepted = 0;
  for (let n = 0; n < CASES; n++) {
    const input = n < bases.length ? bases[n] : generate(rng, bases);
    const where = () =>
      `${label} case ${n} (HEAD_FUZZ_SEED=${seed}): ${JSON.stringify(input.slice(0, 400))}`;
    let problems: string[];
    try {
      problems = check(bytesOf(input), rng);
      accepted++;
    } catch (e) {
      if (!(e instanceof HttpError)) assert.fail(`${where()} threw ${(e as Error)?.stack ?? e}`);
      if (!statuses.includes(e.status)) {
        assert.fail(`${where()} threw HttpError ${e.status}: ${e.message}`);
      }
      continue;
    }
    if (problems.length > 0) assert.fail(`${where()}:\n  ${problems.join("\n  ")}`);
  }
  return accepted;
}

Deno.test(`parseRequestHead() survives ${CASES} mutated heads unambiguously (HEAD_FUZZ_SEED=${SEED})`, () => {
  const accepted = fuzz("request", SEED, REQUESTS, (bytes) => {
    const head = parseRequestHead(bytes);
    return [...requestProblems(head), ...reforwardProblems(head)];
  }, [400, 414, 431, 501, 505]);
  // Not vacuous: a fair share of the mutated heads get through to the invariants.
  assert.ok(
    accepted > CASES / 10,
    `only ${accepted} of ${CASES} accepted (HEAD_FUZZ_SEED=${SEED})`,
  );
});

Deno.test(`parseResponseHead() survives ${CASES} mutated heads unambiguously (HEAD_FUZZ_SEED=${SEED})`, () => {
  const accepted = fuzz("response", SEED, RESPONSES, (bytes, rng) => {
    const head = parseResponseHead(bytes);
    return responseProblems(head, rng.pick(["GET", "HEAD", "POST", "CONNECT"]));
  }, [502]);
  assert.ok(
    accepted > CASES / 10,
    `only ${accepted} of ${CASES} accepted (HEAD_FUZZ_SEED=${SEED})`,
  );
});
