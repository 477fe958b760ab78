/**
 * A review comment GitHub accepts and renders, changes first, for a thousand workloads;
 * and chains grouped by environment and team. Sizes, limits and parses only:
 * the timings are in `npm run bench:review`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, EXIT_CHANGED } from "../lib/tools/review/cli";
import { GITHUB_COMMENT_LIMIT, NO_CHANGE, review } from "../lib/tools/review/render";
import { MERMAID_MAX_CHARS, MERMAID_MAX_EDGES } from "../lib/tools/review/mermaid";
import { checkMermaidAll, edited, model, root, sharedSynthDir } from "./support/review-fixtures";

const { writeReviewFixture } = require("../bench/review-fixture") as { writeReviewFixture(o: { workloads: number; namespaces?: number; add?: boolean; widen?: number; rename?: number }): string };

const mermaidBlocks = (md: string) => [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]);
const edgeCount = (block: string) => block.split("\n").filter((l) => l.includes("-->")).length;

describe("a base and a head of 1000 workloads in 20 namespaces (the head adds one, widens one grant to the vault, renames one service account)", () => {
  const base = writeReviewFixture({ workloads: 1000, namespaces: 20 });
  const head = writeReviewFixture({ workloads: 1000, namespaces: 20, add: true, widen: 7, rename: 42 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-scale-"));
  const out = path.join(dir, "review.md");
  const inventory = path.join(dir, "inventory.md");
  let code: number;
  beforeAll(() => {
    jest.spyOn(console, "error").mockImplementation(() => undefined);
    code = main(["--detailed-exitcode", "--base", base, "--out", out, "--inventory", inventory, head]);
    jest.restoreAllMocks();
  });
  const comment = () => fs.readFileSync(out, "utf8");

  test("exits 3 (changes) with --detailed-exitcode", () => {
    expect(code).toBe(EXIT_CHANGED);
  });

  test("the comment is at most 65,536 characters", () => {
    expect(comment().length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  });

  test("leads with a summary line of counts", () => {
    expect(comment().split("\n")[2]).toBe("**⚠️ 7 security-relevant changes** (riskiest first); 1 chain added, 0 removed, 2 changed; 1001 chains in all.");
  });

  test("flags the widened grant ⚠️ on its own line", () => {
    expect(comment()).toMatch(/^- ⚠️ \*\*widened scope\*\*: Key Vault Secrets User for id-team-7-app-7: secret secret-7 in vault kv-bench → vault kv-bench$/m);
  });

  test("shows the added workload", () => {
    expect(comment()).toMatch(/^- ⚠️ \*\*new subject\*\*: id-team-0-app-1000 now trusts `system:serviceaccount:team-0:app-1000`/m);
    expect(comment()).toMatch(/^- ⚠️ \*\*new workload\*\*: pod team-0\/app-1000 runs as federated service account team-0\/app-1000 with workload identity$/m);
  });

  test("shows the renamed service account and the credential it replaces", () => {
    expect(comment()).toMatch(/^- service account renamed: team-2\/app-42 → team-2\/app-42-renamed$/m);
    expect(comment()).toMatch(/^- ⚠️ \*\*federated credential replaced\*\*: fic-team-2-app-42-renamed: subject `system:serviceaccount:team-2:app-42` → `system:serviceaccount:team-2:app-42-renamed`/m);
  });

  test("lists no unmodelled change (every difference is explained)", () => {
    expect(comment()).not.toContain("unmodelled change");
  });

  test("every Mermaid block is within 50,000 characters and 500 edges and parses", () => {
    const blocks = [...mermaidBlocks(comment()), ...mermaidBlocks(fs.readFileSync(inventory, "utf8"))];
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const b of blocks) {
      expect(b.length).toBeLessThanOrEqual(MERMAID_MAX_CHARS);
      expect(edgeCount(b)).toBeLessThanOrEqual(MERMAID_MAX_EDGES);
    }
    expect(checkMermaidAll(blocks)).toEqual(blocks.map(() => "ok:flowchart-v2"));
  });

  test("draws the changed chains one by one and the rest of their neighbourhood collapsed", () => {
    const [picture] = mermaidBlocks(comment());
    expect(picture).toContain("service account team-2/app-42-renamed");
    expect(picture).toContain('-- "Key Vault Secrets User" --> ');
    expect(picture).toMatch(/subgraph g\d+\["namespace team-0"\]/);
  });

  test("writes the full inventory to --inventory and says where it is", () => {
    expect(comment()).toContain(`The full inventory (1001 chains) does not fit in this comment: it is in \`${inventory}\``);
    expect(fs.readFileSync(inventory, "utf8").split("\n").filter((l) => l.startsWith("| pod "))).toHaveLength(1001);
  });
});

describe("review at scale without a base (first adoption)", () => {
  const dir = writeReviewFixture({ workloads: 1000, namespaces: 20, widen: 3 });
  const result = review(model(dir));

  test("summarises by role and scope and lists the riskiest chains, not all of them", () => {
    expect(result.comment.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(result.comment).toContain("| Key Vault Secrets User | secret | 999 | 999 | 999 |");
    expect(result.comment).toContain("### Riskiest chains (1: privileged roles, vault-wide or broader scopes, shared identities, broken links)");
    expect(result.comment.split("\n").filter((l) => l.startsWith("| pod "))).toHaveLength(1);
  });

  test("keeps its picture within Mermaid's limits", () => {
    for (const b of mermaidBlocks(result.comment)) expect(edgeCount(b)).toBeLessThanOrEqual(MERMAID_MAX_EDGES);
  });
});

describe("the hard limit", () => {
  test("cuts at --max-chars whatever the input, and says what it cut and where the rest is", () => {
    const base = writeReviewFixture({ workloads: 10 });
    const head = writeReviewFixture({ workloads: 400, namespaces: 40 });
    const { comment } = review(model(head), model(base), { maxChars: 8000, inventoryFile: "inventory.md" });
    expect(comment.length).toBeLessThanOrEqual(8000);
    expect(comment).toMatch(/^- … \d+ more changes not shown, ⚠️ \d+ of them security-relevant; the full inventory is in `inventory.md`/m);
  });

  // The collapsed picture has one group per namespace and shape, whatever the number of workloads:
  // 1000 workloads in 50 namespaces draw the same picture as 5000 (only the counts differ).
  test("draws a picture of 1000 chains in 50 namespaces within Mermaid's limits, collapsed by shape", () => {
    const { comment } = review(model(writeReviewFixture({ workloads: 1000, namespaces: 50 })));
    expect(comment.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(comment).toContain(`cut["1000 chains#59; repeated shapes collapsed into counts"]`);
    for (const b of mermaidBlocks(comment)) {
      expect(b.length).toBeLessThanOrEqual(MERMAID_MAX_CHARS);
      expect(edgeCount(b)).toBeLessThanOrEqual(MERMAID_MAX_EDGES);
    }
  });
});

describe("never buried", () => {
  test("an oversized value is cut in place: the comment keeps its count, every change line and the marker", () => {
    const huge = "x".repeat(200_000);
    const head = model(
      edited(sharedSynthDir(), "workload", (json) => {
        const fic = Object.values<any>(json.resource.azurerm_federated_identity_credential)[0];
        fic.subject = `system:serviceaccount:default:${huge}`;
        json.resource.terraform_data = { t: { provisioner: [{ "local-exec": { command: huge } }] } };
      }),
    );
    const result = review(head, model(sharedSynthDir()));
    expect(result.comment.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(result.comment.split("\n")[2]).toMatch(/^\*\*⚠️ \d+ security-relevant changes\*\*/);
    expect(result.comment).toMatch(/^- ⚠️ \*\*provisioner\*\*/m);
    expect(result.comment).toMatch(/^- ⚠️ \*\*federated credential updated in place\*\*: .*… \(\d+ more characters\)/m);
    expect(result.comment).not.toContain("more changes not shown");
  });

  test("the riskiest change comes first: a provisioner before a new workload", () => {
    const base = sharedSynthDir();
    const head = model(
      edited(base, "workload", (json) => {
        json.resource.kubernetes_pod_v1.extra = { ...Object.values<any>(json.resource.kubernetes_pod_v1)[0], metadata: { name: "extra", namespace: "default" } };
        json.resource.terraform_data = { t: { provisioner: [{ "local-exec": { command: "az role assignment create --role Owner" } }] } };
      }),
    );
    const lines = review(head, model(base)).comment.split("\n").filter((l) => l.startsWith("- ⚠️"));
    expect(lines[0]).toMatch(/^- ⚠️ \*\*provisioner\*\*/);
  });
});

describe("silence when nothing changed", () => {
  const dir = writeReviewFixture({ workloads: 20 });

  test("is one line", () => {
    expect(review(model(dir), model(dir)).comment).toBe(`${NO_CHANGE}\n<!-- azwi-review -->\n`);
  });

  test("exits 0 with --detailed-exitcode", () => {
    jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(main(["--detailed-exitcode", "--base", dir, dir])).toBe(0);
    jest.restoreAllMocks();
  });
});

describe("the default app's review reads as before", () => {
  test("is the example in docs/review.md", () => {
    const doc = fs.readFileSync(path.join(root, "docs", "review.md"), "utf8");
    const example = /The default app's review:\n\n````markdown\n([\s\S]*?)````/.exec(doc)![1];
    expect(review(model(sharedSynthDir())).comment).toBe(example);
  });
});

describe("environments", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-env-"));
  beforeAll(() => {
    const r = spawnSync(process.execPath, ["scripts/app.js"], { cwd: root, env: { ...process.env, CHECKPOINT_DISABLE: "1", ENVIRONMENTS_DIR: "examples/environments", CDKTF_OUTDIR: outdir }, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  });

  test("groups chains by environment and team, read from each stack's //.azwi", () => {
    const m = model(outdir);
    const groups = new Set(m.chains.map((c) => `${c.group?.environment}/${c.group?.team}`));
    expect([...groups].sort()).toEqual(["dev/payments", "dev/search", "prod/payments", "prod/search"]);
  });

  test("completes each chain within its environment: service account, pod and the vault of its own platform stack", () => {
    const m = model(outdir);
    for (const c of m.chains) {
      expect(c.serviceAccount?.key.startsWith(`${c.group?.environment}-`)).toBe(true);
      if (c.pod) expect(c.pod.key.startsWith(`${c.group?.environment}-`)).toBe(true);
      expect(c.grant?.scope).toContain(`kv-azwi-${c.group?.environment}`);
    }
  });

  test("draws a subgraph per environment and team", () => {
    const picture = mermaidBlocks(review(model(outdir)).comment)[0];
    expect(picture).toContain('subgraph g1["environment dev"]');
    expect(picture).toMatch(/subgraph g\d+\["team payments"\]/);
  });
});
