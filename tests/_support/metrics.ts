/**
 * Scraping `/metrics` in tests: the text checked by the real `promtool check metrics`
 * (Debian's `prometheus` package), and its samples by name and labels.
 * @module
 */
import assert from "node:assert/strict";
import { decoder, encoder } from "./bytes.ts";

/** One scrape: the text and a lookup of its samples. */
export interface Scrape {
  readonly text: string;
  /** The value of the sample `name{labels}` (labels as rendered, in order); undefined if absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** The sum over every sample named `name` whose labels include `match`. */
  sum(name: string, match?: Record<string, string>): number;
}

/** GETs `url` (with `token` as bearer), asserts 200 and that `promtool check metrics` passes. */
export async function scrape(url: string, token?: string): Promise<Scrape> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  await promtoolCheck(text);
  return parseScrape(text);
}

/** Runs `promtool check metrics` on `text` (stdin); throws with its output when it fails. */
export async function promtoolCheck(text: string): Promise<void> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new Error(
      "promtool is not installed (Debian package `prometheus`, listed in .ci/packages.txt)",
      { cause: e },
    );
  }
  const writer = child.stdin.getWriter();
  await writer.write(encoder.encode(text));
  await writer.close();
  const out = await child.output();
  const said = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  assert.equal(out.code, 0, `promtool check metrics failed:\n${said}\n--- text:\n${text}`);
}

/** Parses exposition text into samples. */
export function parseScrape(text: string): Scrape {
  const samples: { name: string; labels: Map<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = new Map<string, string>();
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels.set(l[1], l[2].replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  const matches = (s: (typeof samples)[number], want: Record<string, string>) =>
    Object.entries(want).every(([k, v]) => s.labels.get(k) === v);
  return {
    text,
    value(name, labels = {}) {
      const s = samples.find((x) =>
        x.name === name && x.labels.size === Object.keys(labels).length && matches(x, labels)
      );
      return s?.value;
    },
    sum(name, match = {}) {
      return samples.filter((x) => x.name === name && matches(x, match))
        .reduce((n, x) => n + x.value, 0);
    },
  };
}
