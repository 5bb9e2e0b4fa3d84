import assert from "node:assert/strict";
import { anchors, links, readDoc, ROOT } from "./_markdown.ts";

/** README.md, bench/README.md and every page under docs/. */
function pages(): string[] {
  const out = ["README.md", "bench/README.md"];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
      if (e.isDirectory) walk(`${dir}${e.name}/`);
      else if (e.name.endsWith(".md")) out.push(`${dir}${e.name}`);
    }
  };
  walk("docs/");
  return out.sort();
}

function exists(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

Deno.test("links between README.md, docs/ and bench/README.md reach a file and a heading", () => {
  const broken: string[] = [];
  for (const page of pages()) {
    for (const [line, target] of links(readDoc(page))) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split("#");
      const url = path === "" ? new URL(page, ROOT) : new URL(path, new URL(page, ROOT));
      if (!exists(url)) {
        broken.push(`${page}:${line}: ${target} (no such file)`);
      } else if (anchor !== undefined && url.pathname.endsWith(".md")) {
        if (!anchors(Deno.readTextFileSync(url)).has(anchor)) {
          broken.push(`${page}:${line}: ${target} (no such heading)`);
        }
      }
    }
  }
  assert.deepEqual(broken, []);
});

Deno.test("every page under docs/ is linked from README.md or docs/README.md", () => {
  const linked = new Set<string>();
  for (const from of ["README.md", "docs/README.md"]) {
    for (const [, target] of links(readDoc(from))) {
      linked.add(new URL(target.split("#")[0], new URL(from, ROOT)).href);
    }
  }
  const orphans = pages().filter((p) => p.startsWith("docs/") && p !== "docs/README.md")
    .filter((p) => !linked.has(new URL(p, ROOT).href));
  assert.deepEqual(orphans, []);
});
