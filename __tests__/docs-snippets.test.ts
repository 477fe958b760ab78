/**
 * Code in the docs that comes from an example is that example's code: a block preceded by
 * `<!-- snippet: examples/<file>.ts#<name> -->` equals, dedented, the region between
 * `// DOCS_BLOCK_START:<name>` and `// DOCS_BLOCK_END:<name>` of that file (the examples are
 * synthesized by __tests__/examples.test.ts, so the snippets compile and pass the guardrails).
 */
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..");
const docs = ["README.md", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

function dedent(text: string): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

function region(file: string, name: string): string {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const m = new RegExp(`// DOCS_BLOCK_START:${name}\\n([\\s\\S]*?)\\n\\s*// DOCS_BLOCK_END:${name}`).exec(text);
  if (!m) throw new Error(`${file} has no region ${name}`);
  return dedent(m[1]);
}

const snippets = docs.flatMap((doc) =>
  [...fs.readFileSync(path.join(root, doc), "utf8").matchAll(/<!-- snippet: ([^#\s]+)#([\w-]+) -->\n```\w*\n([\s\S]*?)```/g)].map((m) => ({ doc, file: m[1], name: m[2], code: m[3] })),
);

test("the docs hold snippets (the check is not vacuous)", () => {
  expect(snippets.length).toBeGreaterThanOrEqual(2);
});

test.each(snippets.map((s) => [`${s.doc}: ${s.file}#${s.name}`, s] as const))("%s equals the example's region", (_, s) => {
  expect(dedent(s.code)).toBe(region(s.file, s.name));
});
