/**
 * Renders a {@link Model} as GitHub-flavoured Markdown for pull-request review. With a base:
 * a summary of counts, the changes (security-relevant first, ⚠️), the changed chains and their
 * picture, then the inventory while the comment stays under GitHub's limit. Without a base: the
 * whole inventory for small stacks, else counts by role and scope and the riskiest chains. Every
 * value from the input is escaped (escape.ts); the comment never exceeds `maxChars`.
 */
import { Chain, Grant, Model, SharedAccess, pushTo } from "./model";
import { cell, code, Markdown, md, text } from "./escape";
import { chainKey, Change, reviewDiff, SCOPE_RANK, sharedAccessMarkdown, sharedWhy } from "./diff";
import { mermaidOf } from "./mermaid";
import { privilegeNote, roleRank } from "./rank";

export { chainKey, diffModels, reviewDiff } from "./diff";
export type { Change } from "./diff";
export { mermaidOf } from "./mermaid";
export { privilegeNote, roleRank } from "./rank";

/** GitHub refuses an issue or pull-request comment longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Up to this many chains, a review without a base shows every chain, as it always did. */
export const FULL_INVENTORY_CHAINS = 50;

/** The review's own marker, which the example workflow uses to find and update its comment. */
export const COMMENT_MARKER = "<!-- azwi-review -->";

/** The line of a review in which nothing identity-relevant changed. */
export const NO_CHANGE = "No change to trust chains or grants.";

export interface ReviewOutput {
  /** The pull-request comment, at most `maxChars` characters. */
  readonly comment: string;
  /** The full inventory (every chain), for `--inventory`. */
  readonly inventory: string;
  /** With a base: whether anything identity-relevant changed. Without one: true. */
  readonly changed: boolean;
}

/** "ns/sa-b gets Key Vault Secrets User on the whole vault kv through shared identity id-x (granted for ns/sa-a by …)" (Markdown). */
export function sharedAccessText(s: SharedAccess): string {
  return sharedAccessMarkdown(s);
}

const grantText = (g: Grant) => md`${g.role} on ${g.scope} for ${g.identity.label}`;

/** The Notes cell of a chain's row: its broken links and a privileged role, marked ⚠️. */
function notesOf(c: Chain): Markdown {
  const notes: Markdown[] = c.problems.map((p) => md`${p}`);
  const privileged = c.grant ? privilegeNote(c.grant) : undefined;
  if (privileged) notes.push(md`${privileged}`);
  if (c.sharedAccess) notes.push(md`through shared identity ${c.sharedAccess.identity.label} (${sharedWhy(c.sharedAccess)})`);
  return notes.length ? new Markdown(`⚠️ ${notes.map((n) => n.value).join("; ")}`) : new Markdown("");
}

const TABLE_HEAD = ["| Pod | Service account | Issuer | Subject | Audience | Managed identity | Role / policy | Scope | Notes |", "|---|---|---|---|---|---|---|---|---|"];

function row(c: Chain, status?: string): string {
  const cells = [
    c.pod ? md`${c.pod.kind} ${`${c.pod.namespace}/${c.pod.name}`}` : md`–`,
    c.serviceAccount ? md`${`${c.serviceAccount.namespace}/${c.serviceAccount.name}`}` : md`–`,
    md`${c.credential.issuer}`,
    md`${code(c.credential.subject)}`,
    md`${c.credential.audience.join(", ")}`,
    md`${c.credential.identity.label}`,
    c.grant ? md`${c.grant.role}` : md`–`,
    c.grant ? md`${c.grant.scope}` : md`–`,
    status ? new Markdown(`${status}${notesOf(c).value ? ` ${notesOf(c).value}` : ""}`) : notesOf(c),
  ];
  return `| ${cells.map(cell).join(" | ")} |`;
}

const mermaidBlock = (text: string) => ["```mermaid", text, "```"];

/** Builds the comment within a character budget: lines are added while they fit, with room kept for the closing notes. */
class Budget {
  public readonly lines: string[] = [];
  private size = 0;
  constructor(private readonly limit: number, private readonly reserve: number) {}
  public fits(lines: string[]): boolean {
    return this.size + lines.reduce((n, l) => n + l.length + 1, 0) + this.reserve <= this.limit;
  }
  public add(...lines: string[]): boolean {
    if (!this.fits(lines)) return false;
    for (const l of lines) {
      this.lines.push(l);
      this.size += l.length + 1;
    }
    return true;
  }
  /** Adds a closing note from the reserve. */
  public force(...lines: string[]): void {
    for (const l of lines) {
      this.lines.push(l);
      this.size += l.length + 1;
    }
  }
  /** Adds each item while it fits; returns how many were left out. */
  public addEach(items: string[]): number {
    for (let i = 0; i < items.length; i++) if (!this.add(items[i])) return items.length - i;
    return 0;
  }
  public get length(): number {
    return this.size;
  }
}

function unlinkedGrants(m: Model): Grant[] {
  const federated = new Set(m.credentials.map((c) => c.identity.key));
  return m.grants.filter((g) => !federated.has(g.identity.key) && /^managed-identity:|user_assigned_identity|\(by id\)$/.test(`${g.identity.key} ${g.identity.label}`));
}

function grantLines(m: Model): string[] {
  return unlinkedGrants(m).map((g) => {
    const privileged = privilegeNote(g);
    return privileged ? `- ⚠️ ${grantText(g).value} (${md`${privileged}`.value})` : `- ${grantText(g).value}`;
  });
}

function sharedLines(m: Model): string[] {
  const broadFirst = [...m.sharedAccess].sort((a, b) => SCOPE_RANK[b.grant.scopeLevel] - SCOPE_RANK[a.grant.scopeLevel]);
  return broadFirst.map((s) => {
    const t = sharedAccessMarkdown(s);
    return `- ⚠️ ${SCOPE_RANK[s.grant.scopeLevel] >= SCOPE_RANK.vault ? `**${t}**` : t}`;
  });
}

/** The security pass's results: stacks it did not run for (⚠️), findings, and suppressed findings with their reasons. */
function findingLines(m: Model): string[] {
  const notRun = (m.guardrails ?? []).filter((g) => !g.ran).map((g) => g.stack);
  return [
    ...(notRun.length
      ? [`- ⚠️ **guardrails did not run** for ${notRun.length === 1 ? "stack" : "stacks"} ${notRun.map(text).join(", ")}: no record of the security pass in ${notRun.length === 1 ? "its" : "their"} cdk.tf.json (synthesized with skipValidation, or not by this library), so no finding here means nothing`]
      : []),
    ...m.annotations.map((a) => `- ${text(a.level.replace(/^@cdktf\//, "") || "finding")} (${text(a.stack)}): ${text(a.message)}`),
    ...(m.guardrails ?? []).flatMap((g) => g.suppressed.map((x) => `- suppressed: ${text(x.rule)} on ${md`${code(x.path)}`.value} (${text(g.stack)}) because ${text(x.reason)}`)),
  ];
}

function warningLines(m: Model): string[] {
  return (m.warnings ?? []).map((w) => `- ⚠️ ${text(w)}`);
}

const fullPictures = new WeakMap<Model, string>();

/** The whole inventory: picture, table (grouped by environment and team when the stacks say), grants and shared access. */
export function renderInventory(head: Model, changes?: Change[]): string {
  const lines = ["## Workload identity: inventory", "", ...summaryLines(head), ""];
  if (changes) lines.push("### Changes from base", "", ...(changes.length ? changes.map(changeLine) : [NO_CHANGE]), "");
  let picture = fullPictures.get(head);
  if (picture === undefined) fullPictures.set(head, (picture = mermaidOf(head)));
  lines.push(...mermaidBlock(picture), "");
  const groups = new Map<string, Chain[]>();
  for (const c of head.chains) {
    const g = c.group;
    const k = g?.environment !== undefined ? md`environment ${g.environment}${g.team !== undefined ? md`, team ${g.team}` : md``}`.value : "";
    pushTo(groups, k, c);
  }
  for (const [title, chains] of groups) {
    if (title) lines.push(`### ${title}`, "");
    lines.push(...TABLE_HEAD, ...chains.map((c) => row(c)), "");
  }
  if (head.chains.length === 0) lines.push(...TABLE_HEAD, "| – | – | – | – | – | – | – | – | no federated credentials found |", "");
  const grants = grantLines(head);
  if (grants.length) lines.push("Grants to managed identities with no federated credential in these stacks:", ...grants, "");
  const shared = sharedLines(head);
  if (shared.length) lines.push("Access gained only through a shared identity (vault-wide or broader in bold):", ...shared, "");
  const found = findingLines(head);
  lines.push("## Guardrail findings", "", ...(found.length ? found : ["None."]));
  return lines.join("\n") + "\n";
}

/** "1000 chains: 1000 workloads, 1000 identities, 20 namespaces; ⚠️ 3 to check". */
function summaryLines(m: Model): string[] {
  const count = (xs: Array<string | undefined>) => new Set(xs.filter((x) => x !== undefined)).size;
  const flagged = m.chains.filter((c) => notesOf(c).value !== "").length;
  const envs = count(m.chains.map((c) => c.group?.environment));
  const teams = count(m.chains.map((c) => c.group?.team));
  const parts = [
    `${m.chains.length} chain${m.chains.length === 1 ? "" : "s"}`,
    `${count(m.chains.map((c) => c.pod?.key))} workloads`,
    `${count(m.credentials.map((c) => c.identity.key))} identities`,
    `${count(m.chains.map((c) => c.group?.namespace))} namespaces`,
    ...(envs ? [`${envs} environments`] : []),
    ...(teams ? [`${teams} teams`] : []),
  ];
  return [`**${parts[0]}** (${parts.slice(1).join(", ")})${flagged ? `; ⚠️ ${flagged} flagged in Notes` : ""}.`];
}

/** Chains a reviewer should look at first: privileged roles, vault-wide or broader scopes, shared identities, broken links. */
function riskiest(m: Model): Chain[] {
  const risk = (c: Chain) =>
    (c.grant && privilegeNote(c.grant) ? 1000 + roleRank(c.grant.role) : 0) + (c.grant ? SCOPE_RANK[c.grant.scopeLevel] * 100 : 0) + (c.sharedAccess ? 50 : 0) + (c.problems.length ? 40 : 0);
  return m.chains
    .filter((c) => risk(c) >= 200 || c.sharedAccess || c.problems.length || (c.grant && privilegeNote(c.grant)))
    .sort((a, b) => risk(b) - risk(a));
}

/** Counts by role and scope level, most chains first. */
function byRoleAndScope(m: Model): string[] {
  const rows = new Map<string, { role: string; level: string; chains: number; identities: Set<string>; scopes: Set<string> }>();
  for (const c of m.chains) {
    const role = c.grant?.role ?? "(no grant)";
    const level = c.grant?.scopeLevel ?? "–";
    const k = `${role}|${level}`;
    const r = rows.get(k) ?? { role, level, chains: 0, identities: new Set(), scopes: new Set() };
    r.chains++;
    r.identities.add(c.credential.identity.key);
    if (c.grant) r.scopes.add(c.grant.scope);
    rows.set(k, r);
  }
  return [
    "| Role / policy | Scope | Chains | Identities | Scopes |",
    "|---|---|---|---|---|",
    ...[...rows.values()]
      .sort((a, b) => b.chains - a.chains)
      .map((r) => `| ${cell(md`${r.role}`)} | ${cell(md`${r.level}`)} | ${r.chains} | ${r.identities.size} | ${r.scopes.size} |`),
  ];
}

/** Options of {@link renderReview} and {@link review}. */
export interface RenderOptions {
  /** The comment's hard limit (default GitHub's 65,536). */
  readonly maxChars?: number;
  /** Where the full inventory is written (`--inventory FILE`), to say so in the comment. */
  readonly inventoryFile?: string;
}

/** The review comment, the inventory, and whether anything changed. */
export function review(head: Model, base?: Model, options: RenderOptions = {}): ReviewOutput {
  const limit = options.maxChars ?? GITHUB_COMMENT_LIMIT;
  const d = base ? reviewDiff(base, head) : undefined;
  const inventory = renderInventory(head, d?.changes);
  const where = options.inventoryFile ? md`in ${code(options.inventoryFile)} (the workflow publishes it as the job summary)`.value : "in the output of `azwi-review --inventory FILE`";
  const b = new Budget(limit, 1200);
  b.add("## Workload identity: who can read what", "");

  if (!base) {
    const full = head.chains.length <= FULL_INVENTORY_CHAINS ? fullReview(head) : undefined;
    if (full && full.length + COMMENT_MARKER.length + 1 <= limit) return { comment: `${full}${COMMENT_MARKER}\n`, inventory, changed: true };
    b.add(...summaryLines(head), "");
    b.add("### Grants by role and scope", "");
    const left = b.addEach(byRoleAndScope(head));
    if (left) b.force(`| … ${left} more rows ${where} | | | | |`);
    b.add("");
    const risky = riskiest(head);
    b.add(`### Riskiest chains (${risky.length}: privileged roles, vault-wide or broader scopes, shared identities, broken links)`, "");
    if (risky.length) {
      b.add(...TABLE_HEAD);
      const shown = risky.slice(0, 100);
      const cut = b.addEach(shown.map((c) => row(c))) + (risky.length - shown.length);
      if (cut) b.force("", `… ${cut} more risky chains ${where}.`);
    } else b.add("None.");
    b.add("");
    const warnings = warningLines(head);
    if (warnings.length) {
      b.add("### Review warnings", "");
      const cut = b.addEach(warnings);
      if (cut) b.force(`- … ${cut} more warnings ${where}`);
      b.add("");
    }
    const picture = mermaidBlock(mermaidOf(head, riskiest(head).length ? riskiest(head) : head.chains));
    if (!b.add(...picture, "")) b.force(`The picture does not fit in this comment; it is ${where}.`, "");
    findings(b, head, where);
    inventoryTail(b, inventory, head, where);
    return { comment: b.lines.join("\n") + `\n${COMMENT_MARKER}\n`, inventory, changed: true };
  }

  if (!d) throw new Error("unreachable");
  if (d.changes.length === 0) return { comment: `${NO_CHANGE}\n${COMMENT_MARKER}\n`, inventory, changed: false };

  const baseByCred = new Map<string, Chain[]>();
  for (const c of base.chains) pushTo(baseByCred, c.credential.key, c);
  const headByCred = new Map<string, Chain[]>();
  for (const c of head.chains) pushTo(headByCred, c.credential.key, c);
  const changed = new Set(d.changedCredentials);
  for (const [k, cs] of headByCred) {
    const before = baseByCred.get(k);
    if (!before || before.map(chainKey).join("\n") !== cs.map(chainKey).join("\n")) changed.add(k);
  }
  for (const k of baseByCred.keys()) if (!headByCred.has(k)) changed.add(k);
  const added = [...changed].filter((k) => headByCred.has(k) && !baseByCred.has(k)).length;
  const removed = [...changed].filter((k) => !headByCred.has(k) && baseByCred.has(k)).length;
  const modified = [...changed].filter((k) => headByCred.has(k) && baseByCred.has(k)).length;
  const security = d.changes.filter((c) => c.security).length;
  // The count of ⚠️ findings comes first, so that no cut below can hide how many there are.
  b.add(
    `${security ? `**⚠️ ${security} security-relevant change${security === 1 ? "" : "s"}** (riskiest first)` : "**No security-relevant change**"}; ${added} chain${added === 1 ? "" : "s"} added, ${removed} removed, ${modified} changed; ${head.chains.length} chains in all.`,
    "",
  );
  b.add("## Changes from base", "");
  const cut = b.addEach(d.changes.map((c) => changeLine(c)));
  if (cut) {
    const hiddenSecurity = Math.max(0, security - (d.changes.length - cut));
    b.force(`- … ${cut} more changes not shown${hiddenSecurity ? `, ⚠️ ${hiddenSecurity} of them security-relevant` : ""}; the full inventory is ${where}`);
  }
  b.add("");
  const warnings = warningLines(head);
  if (warnings.length) {
    b.add("### Review warnings", "");
    const left = b.addEach(warnings);
    if (left) b.force(`- … ${left} more warnings`);
    b.add("");
  }

  const changedHead = head.chains.filter((c) => changed.has(c.credential.key));
  const removedRows = base.chains.filter((c) => changed.has(c.credential.key) && !headByCred.has(c.credential.key));
  if (changedHead.length || removedRows.length) {
    b.add(`### Changed chains (${changed.size})`, "");
    const rows = [
      ...changedHead.map((c) => row(c, baseByCred.has(c.credential.key) ? "changed" : "added")),
      ...removedRows.map((c) => row(c, "removed")),
    ];
    if (b.add(...TABLE_HEAD)) {
      const left = b.addEach(rows);
      if (left) b.force("", `… ${left} more changed rows; the full inventory is ${where}.`);
    }
    b.add("");
    // The picture: changed chains and their immediate neighbours (same identity or scope).
    const identities = new Set(changedHead.map((c) => c.credential.identity.key));
    const scopes = new Set(changedHead.flatMap((c) => (c.grant ? [c.grant.scope] : [])));
    const neighbours = head.chains.filter((c) => identities.has(c.credential.identity.key) || (c.grant && scopes.has(c.grant.scope)));
    if (neighbours.length) {
      const picture = mermaidBlock(mermaidOf(head, neighbours, { highlight: new Set(changedHead.map((c) => c.credential.key)) }));
      if (!b.add(...picture, "")) b.force("The picture of the changed chains does not fit in this comment.", "");
    }
  }
  findings(b, head, where);
  inventoryTail(b, renderInventory(head), head, where);
  return { comment: b.lines.join("\n") + `\n${COMMENT_MARKER}\n`, inventory, changed: true };
}

function changeLine(c: Change): string {
  return `- ${c.security ? `⚠️ **${c.kind}**` : c.kind}: ${c.text}`;
}

function findings(b: Budget, head: Model, where: string): void {
  b.add("## Guardrail findings", "");
  const found = findingLines(head);
  if (found.length === 0) b.add("None.");
  const left = b.addEach(found);
  if (left) b.force(`- … ${left} more findings; all are ${where}`);
}

/** The inventory as a collapsible section when the comment stays under the limit, else where it is. */
function inventoryTail(b: Budget, inventory: string, head: Model, where: string): void {
  const section = ["", "<details><summary>Inventory: every chain (" + head.chains.length + ")</summary>", "", inventory, "</details>"];
  if (!b.add(...section)) b.force("", `The full inventory (${head.chains.length} chains) does not fit in this comment: it is ${where}.`);
}

/** Today's full review (small stacks, no base): picture, table, grants, shared access, warnings, findings. */
function fullReview(head: Model): string {
  const lines: string[] = ["## Workload identity: who can read what", "", ...mermaidBlock(mermaidOf(head)), "", ...TABLE_HEAD];
  for (const c of head.chains) lines.push(row(c));
  if (head.chains.length === 0) lines.push("| – | – | – | – | – | – | – | – | no federated credentials found |");
  const grants = grantLines(head);
  if (grants.length) lines.push("", "Grants to managed identities with no federated credential in these stacks:", ...grants);
  const shared = sharedLines(head);
  if (shared.length) lines.push("", "Access gained only through a shared identity (vault-wide or broader in bold):", ...shared);
  const warnings = warningLines(head);
  if (warnings.length) lines.push("", "### Review warnings", "", ...warnings);
  lines.push("", "## Guardrail findings", "");
  const found = findingLines(head);
  if (found.length === 0) lines.push("None.");
  lines.push(...found);
  return lines.join("\n") + "\n";
}

/** The review comment as Markdown (see {@link review}). */
export function renderReview(head: Model, base?: Model, options: { readonly maxChars?: number; readonly inventoryFile?: string } = {}): string {
  return review(head, base, options).comment;
}
