import assert from "node:assert/strict";
import { VERBS } from "../../lib/cli/args.ts";
import { helpText } from "../../lib/cli/help.ts";
import { CONFIG_KEYS } from "../../lib/config/keys.ts";
import { codeWords, readDoc, section, tableRows } from "./_markdown.ts";

/** Where each config section's keys are documented: a page of docs/ and the heading of its table. */
const SECTION_DOCS: Readonly<Record<string, readonly [string, string]>> = {
  "": ["docs/config/top-level.md", "Top-level keys"],
  "stream": ["docs/config/stream.md", "`[stream]`: TCP and UDP forwarding, WebSocket bridges"],
  "stream.upstream": ["docs/config/stream.md", "`[[stream.upstream]]`: a named group of servers"],
  "stream.upstream.server": ["docs/config/stream.md", "Each server of an upstream"],
  "stream.server": [
    "docs/config/stream.md",
    "`[[stream.server]]`: a TCP or UDP listener, or a WebSocket bridge",
  ],
  "proxy": [
    "docs/config/proxy.md",
    "`[proxy]`: forward proxy (HTTP, HTTPS CONNECT and SOCKS5 on one port)",
  ],
  "proxy (tunnel, both ends)": ["docs/config/proxy.md", "Keys both tunnel ends take"],
  "proxy (tunnel server)": ["docs/config/proxy.md", "Tunnel server keys"],
  "proxy (tunnel client)": ["docs/config/proxy.md", "Tunnel client keys"],
  "proxy.mappings": ["docs/config/proxy.md", "`[[proxy.mappings]]`"],
  "http": ["docs/config/http.md", "`[http]`"],
  "http (every level)": ["docs/config/http.md", "Keys every level takes"],
  "http.upstream": ["docs/config/http.md", "`[[http.upstream]]`"],
  "http.upstream.server": ["docs/config/stream.md", "Each server of an upstream"],
  "http.upstream.health_check": ["docs/config/http.md", "`health_check`"],
  "http.server": ["docs/config/http.md", "`[[http.server]]`"],
  "http.server.location": ["docs/config/http.md", "`[[http.server.location]]`"],
  "http.server.location.file_server": ["docs/config/file-server.md", "Keys of `file_server`"],
};

/** Table rows under a heading of a page, by the first word of each code span in the first cell. */
function rowsByKey(page: string, heading: string): Map<string, string[]> {
  const lines = section(readDoc(page), heading);
  assert.ok(lines, `${page} has no heading "${heading}"`);
  const rows = new Map<string, string[]>();
  for (const cells of tableRows(lines)) {
    for (const word of codeWords(cells[0] ?? "")) rows.set(word, cells);
  }
  return rows;
}

Deno.test("every key the validator accepts has a row in its section's table in docs/config", () => {
  const missing: string[] = [];
  const incomplete: string[] = [];
  for (const [name, keys] of Object.entries(CONFIG_KEYS)) {
    const where = SECTION_DOCS[name];
    assert.ok(where, `config section "${name}" has no page in SECTION_DOCS: document it`);
    const rows = rowsByKey(...where);
    for (const key of keys) {
      const cells = rows.get(key);
      const label = `${name || "top level"}: ${key} (${where[0]}, "${where[1]}")`;
      if (!cells) missing.push(label);
      // key | type | default | example | meaning, none left empty.
      else if (cells.length < 5 || cells.slice(0, 5).some((c) => c === "")) {
        incomplete.push(label);
      }
    }
  }
  assert.deepEqual(missing, [], "keys with no table row");
  assert.deepEqual(incomplete, [], "rows without type, default, example and meaning");
});

Deno.test("every section of the docs test maps to a section the validator has", () => {
  assert.deepEqual(
    Object.keys(SECTION_DOCS).filter((s) => !(s in CONFIG_KEYS)),
    [],
  );
});

/** The flags a help text names: `-c`, `--config`, ... */
function flagsIn(text: string): string[] {
  return [...new Set(text.match(/(?<![\w-])--?[a-zA-Z][\w-]*/g) ?? [])];
}

Deno.test("docs/cli.md has a section for every verb, listing every flag its help names", () => {
  const problems: string[] = [];
  const cli = readDoc("docs/cli.md");
  for (const verb of VERBS) {
    const lines = section(cli, `\`${verb}\``);
    if (!lines) {
      problems.push(`no heading \`${verb}\``);
      continue;
    }
    // The overview's flags belong to the other verbs; "help" has only the shared ones.
    if (verb === "help") continue;
    const own = helpText(verb).split("Shared flags:")[0];
    const documented = new Set(tableRows(lines).flatMap((cells) => codeWords(cells[0] ?? "")));
    for (const flag of flagsIn(own)) {
      if (!documented.has(flag)) problems.push(`${verb}: ${flag}`);
    }
  }
  const shared = helpText("run").split("Shared flags:")[1];
  assert.ok(shared, 'helpText("run") has no "Shared flags:" part');
  const sharedRows = section(cli, "Flags every command accepts");
  assert.ok(sharedRows, 'docs/cli.md has no heading "Flags every command accepts"');
  const documented = new Set(tableRows(sharedRows).flatMap((cells) => codeWords(cells[0] ?? "")));
  for (const flag of flagsIn(shared)) {
    if (!documented.has(flag)) problems.push(`shared: ${flag}`);
  }
  assert.deepEqual(problems, []);
});

Deno.test("README.md stays a front door under 12 KB", () => {
  const size = Deno.statSync(new URL("../../README.md", import.meta.url)).size;
  assert.ok(size < 12_000, `README.md is ${size} bytes; move detail into docs/`);
});
