/**
 * The docs hold together: every relative link in the README, CONTRIBUTING, CHANGELOG and docs/
 * names a file that exists, and every #anchor a heading of that file (GitHub's slugs).
 */
import * as fs from "fs";
import * as path from "path";

const MarkdownIt = require("markdown-it") as new () => { parse(src: string, env: object): Array<{ type: string; tag: string; children?: Array<{ type: string; attrGet(n: string): string | null }> | null; content: string }> };

const root = path.join(__dirname, "..");
const files = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const md = new MarkdownIt();

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to '-', repeats numbered. */
function slugs(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const tokens = md.parse(fs.readFileSync(path.join(root, file), "utf8"), {});
  tokens.forEach((t, i) => {
    if (t.type !== "heading_open") return;
    const text = tokens[i + 1].content.replace(/`/g, "");
    const base = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").trim().replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  });
  return out;
}

function links(file: string): string[] {
  const found: string[] = [];
  for (const t of md.parse(fs.readFileSync(path.join(root, file), "utf8"), {})) {
    for (const c of t.children ?? []) if (c.type === "link_open") found.push(c.attrGet("href") ?? "");
  }
  return found.filter((h) => !/^[a-z]+:/i.test(h));
}

test("the docs are found (the check is not vacuous)", () => {
  expect(files.length).toBeGreaterThan(10);
  expect(links("README.md").length).toBeGreaterThan(10);
});

test.each(files)("%s: every relative link and anchor resolves", (file) => {
  const broken: string[] = [];
  for (const href of links(file)) {
    const [target, anchor] = href.split("#");
    const resolved = target ? path.normalize(path.join(path.dirname(file), target)) : file;
    if (!fs.existsSync(path.join(root, resolved))) broken.push(`${href}: no file ${resolved}`);
    else if (anchor && resolved.endsWith(".md") && !slugs(resolved).has(anchor)) broken.push(`${href}: no heading #${anchor} in ${resolved}`);
  }
  expect(broken).toEqual([]);
});

test("every docs page is linked from the README", () => {
  const linked = new Set(links("README.md").map((h) => path.normalize(h.split("#")[0])));
  const pages = fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  expect(pages.filter((p) => !linked.has(p))).toEqual([]);
});
