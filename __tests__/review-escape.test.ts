/**
 * No name or value from the input can produce a link, an image, raw HTML or an HTML
 * comment in the rendered review, nor break its tables, lists or Mermaid. Checked with a
 * CommonMark + GFM tables parser (markdown-it, with its autolinker on) and Mermaid's parser, over
 * names from an adversarial alphabet (fast-check).
 */
import fc from "fast-check";
import { codeSpan, mermaidText, text } from "../lib/tools/review/escape";
import { mermaidOf, renderReview } from "../lib/tools/review/render";
import { checkMermaidAll, model, writeSynthDir } from "./support/review-fixtures";

const MarkdownIt = require("markdown-it");
const parser = new MarkdownIt({ html: true, linkify: true });

/** The review's own HTML: its marker comment and the inventory's collapsible section. */
const OWN_HTML = new Set(["<!-- azwi-review -->", "<details><summary>", "</summary>", "</details>"]);

interface Found {
  links: string[];
  images: string[];
  html: string[];
}

/** Links, images and HTML the Markdown renders to, except the review's own. */
function readAs(markdown: string): Found {
  const found: Found = { links: [], images: [], html: [] };
  const walk = (tokens: any[]) => {
    for (const t of tokens) {
      if (t.type === "link_open") found.links.push(t.attrGet("href"));
      if (t.type === "image") found.images.push(t.attrGet("src"));
      if (t.type === "html_inline" || t.type === "html_block") {
        const own = t.content.trim().split(/\n/).every((l: string) => [...OWN_HTML].some((h) => l.trim().startsWith("<details><summary>Inventory") || l.trim() === h));
        if (!own) found.html.push(t.content);
      }
      if (t.children) walk(t.children);
    }
  };
  walk(parser.parse(markdown, {}));
  return found;
}

/** Characters that Markdown, GitHub or Mermaid read: backticks, pipes, brackets, angle brackets, newlines, comments, URLs, unicode. */
const ADVERSARIAL = ["`", "``", "|", "<", ">", "[", "]", "(", ")", "\n", "\r", "<!--", "-->", "<img src=x onerror=alert(1)>", "[approve me](https://evil.example)", "![x](https://evil.example/x.png)", "https://evil.example", "www.evil.example", "a@b.co", ":white_check_mark:", "#12", "@octocat", "*", "_", "~~", "$", "&lt;", "&#60;", "\\", "\"", "'", "%%", "#quot;", "\u202e", "\u200b", "ü", "名", "😀", " ", "a", "-", "1."];
const nameArb = fc.array(fc.constantFrom(...ADVERSARIAL), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(""));

/** A hand-written stack whose every name is `n(…)`: identity, credential, subject, service account, pod, role, scope, finding. */
function adversarialDir(n: (slot: string) => string): string {
  const ns = n("namespace");
  const sa = n("sa");
  return writeSynthDir(
    {
      apps: {
        resource: {
          azurerm_user_assigned_identity: { api: { name: n("identity"), resource_group_name: n("rg"), location: "westeurope" } },
          azurerm_federated_identity_credential: {
            api: { name: n("credential"), resource_group_name: "rg", parent_id: "${azurerm_user_assigned_identity.api.id}", issuer: n("issuer"), subject: `system:serviceaccount:${ns}:${sa}`, audience: [n("audience")] },
          },
          azurerm_role_assignment: { read: { scope: n("scope"), role_definition_name: n("role"), principal_id: "${azurerm_user_assigned_identity.api.principal_id}" } },
          kubernetes_service_account_v1: { api: { metadata: { name: sa, namespace: ns, annotations: { "azure.workload.identity/client-id": "${azurerm_user_assigned_identity.api.client_id}" } } } },
          kubernetes_pod_v1: { api: { metadata: { name: n("pod"), namespace: ns, labels: { "azure.workload.identity/use": "true" } }, spec: { service_account_name: sa, container: [{ name: "c", image: "x" }] } } },
        },
      },
    },
    { apps: [{ level: n("level"), constructPath: "apps/x", message: n("message") }] },
  );
}

const benign = adversarialDir((slot) => `benign-${slot}`);

describe("escaping functions", () => {
  test("a code span's fence is longer than any backtick run in the value", () => {
    expect(codeSpan("a``b")).toBe("```a``b```");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
  });

  test("plain names stay plain text; anything Markdown could read becomes a code span", () => {
    expect(text("my-secret in vault kv")).toBe("my-secret in vault kv");
    expect(text("my_identity")).toBe("my\\_identity");
    expect(text("[approve](https://x)")).toBe("`[approve](https://x)`");
    expect(text("www.example.com")).toBe("`www.example.com`");
  });

  test("line breaks and bidi controls are shown as escapes, never as line breaks", () => {
    expect(text("a\n<!--")).toBe("`a\\u{A}<!--`");
    expect(text("a\u202eb")).toBe("`a\\u{202E}b`");
  });

  test("Mermaid labels hold no quote, backtick or angle bracket", () => {
    expect(mermaidText('"`<b>')).toBe("#34;#96;#60;b#62;");
  });

  test("the parser check finds what it looks for (it can fail)", () => {
    expect(readAs("[x](https://a) ![y](https://b) <img src=x> <!-- c --> https://d")).toEqual({
      links: ["https://a", "https://d"],
      images: ["https://b"],
      html: ["<img src=x>", "<!-- c -->"],
    });
  });
});

describe("no adversarial name produces a link, image, HTML or comment", () => {
  test("in the review without a base (fast-check)", () => {
    fc.assert(
      fc.property(fc.record({ identity: nameArb, credential: nameArb, sa: nameArb, namespace: nameArb, role: nameArb, scope: nameArb, issuer: nameArb, message: nameArb, level: nameArb, pod: nameArb, audience: nameArb, rg: nameArb }), (names) => {
        const md = renderReview(model(adversarialDir((slot) => (names as Record<string, string>)[slot] ?? slot)));
        expect(readAs(md)).toEqual({ links: [], images: [], html: [] });
        // One table row per chain, nine cells each; one finding.
        const rows = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Pod |"));
        expect(rows).toHaveLength(1);
        expect(parser.parse(md, {}).filter((t: any) => t.type === "td_open")).toHaveLength(9);
        // The hand-written stack carries no record of the security pass: that line, then the one finding.
        const findings = md.split("## Guardrail findings\n\n")[1].split("\n").filter((l) => l.startsWith("- "));
        expect(findings).toHaveLength(2);
        expect(findings[0]).toMatch(/^- ⚠️ \*\*guardrails did not run\*\* for stack /);
      }),
      { numRuns: 60 },
    );
  });

  test("in the review with a base, where every name changed (fast-check)", () => {
    fc.assert(
      fc.property(fc.record({ identity: nameArb, credential: nameArb, sa: nameArb, namespace: nameArb, role: nameArb, scope: nameArb, issuer: nameArb, message: nameArb }), (names) => {
        const md = renderReview(model(adversarialDir((slot) => (names as Record<string, string>)[slot] ?? `benign-${slot}`)), model(benign));
        expect(readAs(md)).toEqual({ links: [], images: [], html: [] });
        expect(md).not.toContain("No change to trust chains or grants.");
        // Headings are the review's own.
        expect(parser.parse(md, {}).filter((t: any) => t.type === "heading_open").length).toBeLessThanOrEqual(8);
      }),
      { numRuns: 40 },
    );
  });

  test("a finding with newlines cannot print a fake line", () => {
    const md = renderReview(model(adversarialDir((slot) => (slot === "message" ? "x\n\n## Changes from base\n\nNo change to trust chains or grants." : `n-${slot}`))));
    expect(md.match(/^No change/m)).toBeNull();
    expect(md.match(/^## Changes from base/m)).toBeNull();
  });

  test("in a code span, whatever backticks the value holds", () => {
    fc.assert(
      fc.property(nameArb, (v) => {
        expect(readAs(`x ${codeSpan(v)} y`)).toEqual({ links: [], images: [], html: [] });
        const inline = parser.parseInline(`x ${codeSpan(v)} y`, {})[0].children;
        expect(inline.filter((t: any) => t.type === "code_inline")).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});

describe("Mermaid from adversarial names", () => {
  test("parses with Mermaid's own parser (fast-check samples, one parser process)", () => {
    const samples = fc.sample(fc.record({ identity: nameArb, credential: nameArb, sa: nameArb, namespace: nameArb, role: nameArb, scope: nameArb, issuer: nameArb, pod: nameArb }), { numRuns: 30, seed: 15 });
    const texts = samples.map((names) => mermaidOf(model(adversarialDir((slot) => (names as Record<string, string>)[slot] ?? slot))));
    for (const t of texts) expect(t).not.toMatch(/`|<(?!br\/>)/);
    expect(checkMermaidAll(texts)).toEqual(texts.map(() => "ok:flowchart-v2"));
  });
});
