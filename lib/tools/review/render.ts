/**
 * Renders a {@link Model} as GitHub-flavoured Markdown for pull-request review: a Mermaid picture
 * of every trust chain, a table of the same facts, the changes from a base (security-relevant
 * first) and the guardrail findings.
 */
import { BUILT_IN_ROLES, Chain, Credential, Grant, Model, ScopeLevel, SharedAccess, Workload } from "./model";

/** A change between base and head. `security` changes are listed first and marked. */
export interface Change {
  readonly security: boolean;
  readonly kind: string;
  readonly text: string;
}

const SCOPE_RANK: Record<ScopeLevel, number> = { secret: 1, vault: 2, "resource-group": 3, subscription: 4, other: 0 };

/** Rough strength of a role for "new or stronger role" (higher grants more). */
export function roleRank(role: string): number {
  const ranks: Array<[RegExp, number]> = [
    // A role definition id that is not a known built-in role could grant anything.
    [/\(unknown built-in role; check it\)$/, 80],
    [/^Owner$/i, 100],
    [/^(User Access Administrator|Role Based Access Control Administrator)$/i, 90],
    [/^Contributor$/i, 80],
    [/Administrator/i, 60],
    [/Officer|Contributor/i, 50],
    [/access policy: .*(Set|Delete|Purge)/i, 45],
    [/Secrets User|access policy: .*Get/i, 30],
    [/Reader|List/i, 10],
  ];
  return ranks.find(([re]) => re.test(role))?.[1] ?? 20;
}

/** Roles at or above Contributor, and every *Administrator* role, rank at least this. */
const PRIVILEGED_RANK = 60;

/**
 * Why a role grant is privileged (Owner, User Access Administrator, Role Based Access Control
 * Administrator, Contributor, any *Administrator*, or an unknown role definition id), worst on a
 * whole subscription or resource group; undefined for other grants.
 */
export function privilegeNote(g: Grant): string | undefined {
  if (g.kind !== "role" || roleRank(g.role) < PRIVILEGED_RANK) return undefined;
  const where = g.scopeLevel === "subscription" ? " on a whole subscription" : g.scopeLevel === "resource-group" ? " on a whole resource group" : "";
  return g.roleDefinitionId && !BUILT_IN_ROLES[g.roleDefinitionId]
    ? `unknown role ${g.roleDefinitionId} treated as privileged${where}`
    : `privileged role ${g.role}${where}`;
}

const grantText = (g: Grant) => `${g.role} on ${g.scope} for ${g.identity.label}`;

const WHOLE: Partial<Record<ScopeLevel, string>> = { vault: "vault", "resource-group": "resource group", subscription: "subscription" };

/** A grant's scope in words: "the whole vault kv" for a vault, resource group or subscription. */
function scopePhrase(g: Grant): string {
  const word = WHOLE[g.scopeLevel];
  if (!word) return g.scope;
  return g.scope.startsWith(word) ? `the whole ${g.scope}` : `the whole ${word} ${g.scope}`;
}

/** Why a workload reaches a grant through a shared identity: whom it was made for, and by which construct. */
function sharedWhy(s: SharedAccess): string {
  const construct = s.grant.path?.replace(/\/[^/]*$/, "");
  if (s.evidence === "identity owner") return `identity of ${s.grantedFor.join(", ")}${construct ? `; granted by ${construct}` : ""}`;
  if (s.grantedFor.length === 0) return `shared with ${s.sharedWith.join(", ")}; no workload in these stacks waits for this grant`;
  return `granted for ${s.grantedFor.join(", ")}${construct ? ` by ${construct}` : ""}`;
}

/** "ns/sa-b gets Key Vault Secrets User on the whole vault kv through shared identity id-x (granted for ns/sa-a by …)". */
export function sharedAccessText(s: SharedAccess): string {
  return `${s.workload} gets ${s.grant.role} on ${scopePhrase(s.grant)} through shared identity ${s.identity.label} (${sharedWhy(s)})`;
}

const sharedKey = (s: SharedAccess) => `${s.workload}|${s.identity.label}|${s.grant.role}|${s.grant.scope}`;
const podText = (w: Workload) => `${w.kind} ${w.namespace}/${w.name}`;

export function diffModels(base: Model, head: Model): Change[] {
  const changes: Change[] = [];

  // Federated credentials: new subjects, in-place updates, replacements, removals.
  const baseCreds = new Map(base.credentials.map((c) => [c.key, c]));
  const headCreds = new Map(head.credentials.map((c) => [c.key, c]));
  const baseSubjects = new Set(base.credentials.map((c) => `${c.identity.label}|${c.subject}`));
  for (const c of head.credentials) {
    const before = baseCreds.get(c.key);
    if (!before) {
      const isNewSubject = !baseSubjects.has(`${c.identity.label}|${c.subject}`);
      changes.push({
        security: true,
        kind: isNewSubject ? "new subject" : "new federated credential",
        text: `${c.identity.label} now trusts \`${c.subject}\` from ${c.issuer} (credential ${c.name})`,
      });
    } else if (before.replaceArgs !== c.replaceArgs) {
      const what = describeCredentialChange(before, c);
      changes.push({
        security: true,
        kind: "federated credential replaced",
        text: `${c.name}: ${what} – a new name, identity or resource group forces replacement; tokens fail until the new credential propagates`,
      });
    } else if (before.updateArgs !== c.updateArgs) {
      const what = describeCredentialChange(before, c);
      changes.push({
        security: true,
        kind: "federated credential updated in place",
        text: `${c.name}: ${what} – updated in place; tokens for the old trust stop working and the new one fails until it propagates`,
      });
    }
  }
  for (const c of base.credentials) {
    if (!headCreds.has(c.key)) changes.push({ security: false, kind: "federated credential removed", text: `${c.identity.label} no longer trusts \`${c.subject}\` (credential ${c.name})` });
  }

  // Grants: new, widened, stronger, removed.
  const sameGrant = (a: Grant, b: Grant) => a.identity.label === b.identity.label && a.role === b.role && a.scope === b.scope;
  // Base grants that a head grant replaced (widened or strengthened) are reported once, there.
  const replaced = new Set<Grant>();
  for (const g of head.grants) {
    if (base.grants.some((b) => sameGrant(b, g))) continue;
    const gone = base.grants.filter((b) => b.identity.label === g.identity.label && !head.grants.some((h) => sameGrant(b, h)));
    const widened = gone.find((b) => b.role === g.role && SCOPE_RANK[g.scopeLevel] > SCOPE_RANK[b.scopeLevel]);
    const weaker = gone.find((b) => b.scope === g.scope && roleRank(g.role) > roleRank(b.role));
    if (widened) {
      replaced.add(widened);
      changes.push({ security: true, kind: "widened scope", text: `${g.role} for ${g.identity.label}: ${widened.scope} → ${g.scope}` });
    } else if (weaker) {
      replaced.add(weaker);
      changes.push({ security: true, kind: "stronger role", text: `${g.identity.label} on ${g.scope}: ${weaker.role} → ${g.role}` });
    } else {
      changes.push({ security: true, kind: "new grant", text: grantText(g) });
    }
  }
  for (const b of base.grants) {
    if (!replaced.has(b) && !head.grants.some((g) => sameGrant(b, g))) {
      changes.push({ security: false, kind: "grant removed", text: grantText(b) });
    }
  }

  // Access gained through a shared identity.
  const baseShared = new Set(base.sharedAccess.map(sharedKey));
  for (const s of head.sharedAccess) {
    if (!baseShared.has(sharedKey(s))) changes.push({ security: true, kind: "access through shared identity", text: sharedAccessText(s) });
  }

  // Pods: lost label, switched service account, new or removed.
  const basePods = new Map(base.workloads.map((w) => [`${w.kind}|${w.namespace}/${w.name}`, w]));
  const headPods = new Map(head.workloads.map((w) => [`${w.kind}|${w.namespace}/${w.name}`, w]));
  for (const [k, w] of headPods) {
    const before = basePods.get(k);
    if (!before) {
      changes.push({ security: w.labelled, kind: "new workload", text: `${podText(w)} runs as ${w.namespace}/${w.serviceAccount}${w.labelled ? " with workload identity" : ""}` });
      continue;
    }
    if (before.labelled && !w.labelled) changes.push({ security: true, kind: "lost workload identity label", text: `${podText(w)} no longer has azure.workload.identity/use: "true" – it will get no token` });
    if (before.serviceAccount !== w.serviceAccount) {
      changes.push({ security: true, kind: "service account changed", text: `${podText(w)}: ${before.serviceAccount} → ${w.serviceAccount}` });
    }
  }
  for (const [k, w] of basePods) if (!headPods.has(k)) changes.push({ security: false, kind: "workload removed", text: podText(w) });

  // Whole chains, as the table shows them.
  const baseRows = new Set(base.chains.map(chainKey));
  const headRows = new Set(head.chains.map(chainKey));
  for (const c of head.chains) if (!baseRows.has(chainKey(c))) changes.push({ security: false, kind: "chain added", text: chainKey(c) });
  for (const c of base.chains) if (!headRows.has(chainKey(c))) changes.push({ security: false, kind: "chain removed", text: chainKey(c) });

  return [...changes.filter((c) => c.security), ...changes.filter((c) => !c.security)];
}

function describeCredentialChange(a: Credential, b: Credential): string {
  const parts: string[] = [];
  if (a.subject !== b.subject) parts.push(`subject \`${a.subject}\` → \`${b.subject}\``);
  if (a.issuer !== b.issuer) parts.push(`issuer ${a.issuer} → ${b.issuer}`);
  if (JSON.stringify(a.audience) !== JSON.stringify(b.audience)) parts.push(`audience ${a.audience.join(",")} → ${b.audience.join(",")}`);
  if (a.identity.label !== b.identity.label) parts.push(`identity ${a.identity.label} → ${b.identity.label}`);
  if (a.name !== b.name) parts.push(`name ${a.name} → ${b.name}`);
  if (a.resourceGroup !== b.resourceGroup) parts.push(`resource group ${a.resourceGroup ?? "–"} → ${b.resourceGroup ?? "–"}`);
  return parts.length ? parts.join("; ") : "arguments changed";
}

export function chainKey(c: Chain): string {
  return [
    c.pod ? podText(c.pod) : "(no pod)",
    c.serviceAccount ? `sa ${c.serviceAccount.namespace}/${c.serviceAccount.name}` : "(no service account)",
    `${c.credential.subject} @ ${c.credential.issuer}`,
    c.credential.identity.label,
    c.grant ? `${c.grant.role} on ${c.grant.scope}` : "(no grant)",
  ].join(" → ");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const mermaidLabel = (s: string) => s.replace(/"/g, "#quot;").replace(/[\n\r]/g, " ");

/** The Mermaid flowchart text (without the code fence). */
export function mermaidOf(model: Model): string {
  const ids = new Map<string, string>();
  const nodes: string[] = [];
  const edges = new Set<string>();
  const node = (key: string, label: string, shape: "box" | "round" | "stadium" | "hex" = "box") => {
    let id = ids.get(key);
    if (!id) {
      id = `n${ids.size + 1}`;
      ids.set(key, id);
      const l = mermaidLabel(label);
      nodes.push(shape === "round" ? `  ${id}("${l}")` : shape === "stadium" ? `  ${id}(["${l}"])` : shape === "hex" ? `  ${id}{{"${l}"}}` : `  ${id}["${l}"]`);
    }
    return id;
  };
  for (const c of model.chains) {
    const fic = node(`fic:${c.credential.key}`, `federated credential ${c.credential.name}<br/>${c.credential.subject}<br/>${c.credential.issuer}`, "hex");
    const identity = node(`id:${c.credential.identity.key}`, `managed identity ${c.credential.identity.label}`, "round");
    edges.add(`  ${fic} --> ${identity}`);
    if (c.serviceAccount) {
      const sa = node(`sa:${c.serviceAccount.key}`, `service account ${c.serviceAccount.namespace}/${c.serviceAccount.name}`);
      edges.add(`  ${sa} --> ${fic}`);
      if (c.pod) {
        const pod = node(`pod:${c.pod.key}`, `${c.pod.kind} ${c.pod.namespace}/${c.pod.name}${c.pod.labelled ? "" : " (NO LABEL)"}`, "stadium");
        edges.add(`  ${pod} --> ${sa}`);
      }
    }
    if (c.grant) {
      const scope = node(`scope:${c.grant.scope}`, c.grant.scope);
      edges.add(`  ${identity} -- "${mermaidLabel(c.grant.role)}" --> ${scope}`);
    }
  }
  if (nodes.length === 0) nodes.push(`  empty["no federated credentials found"]`);
  return ["flowchart LR", ...nodes, ...edges].join("\n");
}

/** The Notes cell of a chain's row: its broken links and a privileged role, marked ⚠️. */
function notesOf(c: Chain): string {
  const notes = [...c.problems];
  const privileged = c.grant ? privilegeNote(c.grant) : undefined;
  if (privileged) notes.push(privileged);
  if (c.sharedAccess) notes.push(`through shared identity ${c.sharedAccess.identity.label} (${sharedWhy(c.sharedAccess)})`);
  return notes.length ? `⚠️ ${notes.join("; ")}` : "";
}

export function renderReview(head: Model, base?: Model): string {
  const lines: string[] = [];
  lines.push("## Workload identity: who can read what");
  lines.push("");
  lines.push("```mermaid");
  lines.push(mermaidOf(head));
  lines.push("```");
  lines.push("");
  lines.push("| Pod | Service account | Issuer | Subject | Audience | Managed identity | Role / policy | Scope | Notes |");
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const c of head.chains) {
    lines.push(
      "| " +
        [
          c.pod ? `${c.pod.kind} ${c.pod.namespace}/${c.pod.name}` : "–",
          c.serviceAccount ? `${c.serviceAccount.namespace}/${c.serviceAccount.name}` : "–",
          c.credential.issuer,
          `\`${c.credential.subject}\``,
          c.credential.audience.join(", "),
          c.credential.identity.label,
          c.grant ? c.grant.role : "–",
          c.grant ? c.grant.scope : "–",
          notesOf(c),
        ]
          .map(cell)
          .join(" | ") +
        " |",
    );
  }
  if (head.chains.length === 0) lines.push("| – | – | – | – | – | – | – | – | no federated credentials found |");
  const unlinked = head.grants.filter((g) => !head.credentials.some((c) => c.identity.key === g.identity.key) && /user_assigned_identity|by id/.test(g.identity.key + g.identity.label));
  if (unlinked.length) {
    lines.push("");
    lines.push("Grants to managed identities with no federated credential in these stacks:");
    for (const g of unlinked) {
      const privileged = privilegeNote(g);
      lines.push(`- ${cell(privileged ? `⚠️ ${grantText(g)} (${privileged})` : grantText(g))}`);
    }
  }
  if (head.sharedAccess.length) {
    lines.push("");
    lines.push("Access gained only through a shared identity (vault-wide or broader in bold):");
    const broadFirst = [...head.sharedAccess].sort((a, b) => SCOPE_RANK[b.grant.scopeLevel] - SCOPE_RANK[a.grant.scopeLevel]);
    for (const s of broadFirst) {
      const text = cell(sharedAccessText(s));
      lines.push(`- ⚠️ ${SCOPE_RANK[s.grant.scopeLevel] >= SCOPE_RANK.vault ? `**${text}**` : text}`);
    }
  }

  if (base) {
    const changes = diffModels(base, head);
    lines.push("");
    lines.push("## Changes from base");
    lines.push("");
    if (changes.length === 0) lines.push("No change to trust chains or grants.");
    for (const c of changes) lines.push(`- ${c.security ? "⚠️ **" + c.kind + "**" : c.kind}: ${c.text}`);
  }

  lines.push("");
  lines.push("## Guardrail findings");
  lines.push("");
  if (head.annotations.length === 0) lines.push("None.");
  for (const a of head.annotations) lines.push(`- ${a.level.replace(/^@cdktf\//, "")} (${a.stack}): ${a.message}`);
  return lines.join("\n") + "\n";
}
