/**
 * The Mermaid picture of trust chains: pod → service account → federated credential → identity
 * → role → scope, in subgraphs by environment, team and namespace. Every block stays within
 * Mermaid's default limits (GitHub's renderer uses them): repeated shapes are collapsed into one
 * counted chain, and what still does not fit is left out with a note saying so.
 */
import { Chain, Model, pushTo } from "./model";
import { mermaidText } from "./escape";

/** Mermaid's defaults: `maxTextSize` 50,000 characters and `maxEdges` 500. */
export const MERMAID_MAX_CHARS = 50_000;
export const MERMAID_MAX_EDGES = 500;

/** One chain or a collapsed group of chains of the same shape. */
interface Drawn {
  readonly chains: Chain[];
  readonly collapsed: boolean;
}

const q = (label: string) => `"${label}"`;

/** Where a chain is drawn: its environment, team and namespace (each when the picture uses that level). */
type Levels = { env: boolean; team: boolean; namespace: boolean };

function groupPath(c: Chain, levels: Levels): string[] {
  const g = c.group;
  const path: string[] = [];
  if (levels.env) path.push(`environment ${g?.environment ?? g?.stack ?? "?"}`);
  if (levels.team) path.push(g?.team !== undefined ? `team ${g.team}` : g?.environment !== undefined ? "platform" : `stack ${g?.stack ?? "?"}`);
  if (levels.namespace) path.push(`namespace ${g?.namespace ?? "?"}`);
  return path;
}

/** Renders drawn items; returns the text and its edge count. */
function render(items: Drawn[], levels: Levels, note?: string): { text: string; edges: number } {
  const ids = new Map<string, string>();
  // Subgraph tree: path → node lines.
  const tree = new Map<string, string[]>();
  const order: string[] = [];
  const place = (path: string[], line: string) => {
    const key = JSON.stringify(path);
    if (!tree.has(key)) {
      tree.set(key, []);
      order.push(key);
    }
    tree.get(key)!.push(line);
  };
  const edges = new Set<string>();
  const node = (key: string, label: string, shape: "box" | "round" | "stadium" | "hex", path: string[]) => {
    let id = ids.get(key);
    if (!id) {
      id = `n${ids.size + 1}`;
      ids.set(key, id);
      const l = q(label);
      place(path, shape === "round" ? `${id}(${l})` : shape === "stadium" ? `${id}([${l}])` : shape === "hex" ? `${id}{{${l}}}` : `${id}[${l}]`);
    }
    return id;
  };
  const t = mermaidText;
  for (const [index, item] of items.entries()) {
    const [c] = item.chains;
    const path = groupPath(c, levels);
    const outer = path.slice(0, levels.namespace ? path.length - 1 : path.length);
    const top = levels.env ? path.slice(0, 1) : [];
    if (!item.collapsed) {
      // A subject of an identity binding: its ClusterRoleBinding, then the binding on the cluster.
      const fic = c.credential.binding
        ? node(`fic:${c.credential.key}`, `ClusterRoleBinding ${t(c.credential.binding.roleBinding.replace(/^[^/]*\//, ""))}<br/>${t(c.credential.subject)}<br/>${t(c.credential.issuer)}`, "hex", path)
        : node(`fic:${c.credential.key}`, `federated credential ${t(c.credential.name)}<br/>${t(c.credential.subject)}<br/>${t(c.credential.issuer)}`, "hex", path);
      const id = c.credential.identity;
      const identity = node(`id:${id.key}`, id.kind === "managed identity" || id.kind === undefined ? `managed identity ${t(id.label)}` : t(id.label), "round", outer);
      edges.add(`${fic} --> ${identity}`);
      if (c.serviceAccount) {
        const sa = node(`sa:${c.serviceAccount.key}`, `service account ${t(`${c.serviceAccount.namespace}/${c.serviceAccount.name}`)}`, "box", path);
        edges.add(`${sa} --> ${fic}`);
        if (c.pod) {
          const pod = node(`pod:${c.pod.key}`, `${t(c.pod.kind)} ${t(`${c.pod.namespace}/${c.pod.name}`)}${c.pod.labelled ? "" : " (NO LABEL)"}`, "stadium", path);
          edges.add(`${pod} --> ${sa}`);
        }
      }
      if (c.grant) {
        const scope = node(`scope:${c.grant.scope}`, t(c.grant.scope), "box", top);
        edges.add(`${identity} -- ${q(t(c.grant.role))} --> ${scope}`);
      }
      continue;
    }
    // A collapsed group: counts of each link, one edge each.
    const count = (f: (x: Chain) => string | undefined) => new Set(item.chains.map(f).filter((x) => x !== undefined)).size;
    const key = `group:${JSON.stringify(path)}:${c.pod?.kind}:${c.grant?.role}:${c.grant?.scopeLevel}:${index}`;
    const n = (what: string, k: number, plural = `${what}s`) => `${k} ${k === 1 ? what : plural}`;
    const fics = node(`${key}:fic`, n("federated credential", count((x) => x.credential.key)), "hex", path);
    const idCount = count((x) => x.credential.identity.key);
    const kinds = new Set(item.chains.map((x) => x.credential.identity.kind ?? "managed identity"));
    const [what, plural] = kinds.size > 1 ? ["identity", "identities"] : kinds.has("application") ? ["application", "applications"] : ["managed identity", "managed identities"];
    const identity = node(`${key}:id`, n(what, idCount, plural), "round", outer);
    edges.add(`${fics} --> ${identity}`);
    const sas = count((x) => x.serviceAccount?.key);
    if (sas) {
      const sa = node(`${key}:sa`, n("service account", sas), "box", path);
      edges.add(`${sa} --> ${fics}`);
      const pods = count((x) => x.pod?.key);
      if (pods) {
        const unlabelled = item.chains.some((x) => x.pod && !x.pod.labelled);
        const pod = node(`${key}:pod`, `${n(t(c.pod?.kind ?? "pod"), pods)}${unlabelled ? " (SOME WITHOUT LABEL)" : ""}`, "stadium", path);
        edges.add(`${pod} --> ${sa}`);
      }
    }
    if (c.grant) {
      const scopes = [...new Set(item.chains.map((x) => x.grant!.scope))];
      const vaults = [...new Set(item.chains.map((x) => /in vault (.*)$/.exec(x.grant!.scope)?.[1]).filter((v) => v !== undefined))];
      const label = scopes.length === 1 ? t(scopes[0]) : vaults.length === 1 && c.grant.scopeLevel === "secret" ? `${scopes.length} secrets in vault ${t(vaults[0])}` : `${scopes.length} ${t(c.grant.scopeLevel)} scopes`;
      const scope = node(scopes.length === 1 ? `scope:${scopes[0]}` : `${key}:scope`, label, "box", top);
      edges.add(`${identity} -- ${q(t(c.grant.role))} --> ${scope}`);
    }
  }
  if (note) place([], `cut["${mermaidText(note)}"]`);
  if (ids.size === 0 && !note) place([], `empty["no federated credentials found"]`);

  // Nested subgraphs from the paths.
  const lines = ["flowchart LR"];
  let subgraphs = 0;
  const emitted = new Set<string>();
  // Child subgraphs of each path, in the order they were first used.
  const kids = new Map<string, string[]>();
  for (const k of order) {
    const p = JSON.parse(k) as string[];
    for (let i = 0; i < p.length; i++) {
      const parent = JSON.stringify(p.slice(0, i));
      const child = JSON.stringify(p.slice(0, i + 1));
      const list = kids.get(parent) ?? [];
      if (!list.includes(child)) list.push(child);
      kids.set(parent, list);
    }
  }
  const emit = (prefix: string[], indent: string) => {
    const key = JSON.stringify(prefix);
    for (const l of tree.get(key) ?? []) lines.push(`${indent}${l}`);
    emitted.add(key);
    for (const childKey of kids.get(key) ?? []) {
      if (emitted.has(childKey)) continue;
      const child = JSON.parse(childKey) as string[];
      lines.push(`${indent}subgraph g${++subgraphs}[${q(mermaidText(child[child.length - 1]))}]`);
      emit(child, `${indent}  `);
      lines.push(`${indent}end`);
    }
  };
  emit([], "  ");
  for (const e of edges) lines.push(`  ${e}`);
  return { text: lines.join("\n"), edges: edges.size };
}

/**
 * The Mermaid flowchart text (without the code fence) of `chains` (default: every chain of the
 * model), within the limits: each chain drawn, or else highlighted chains drawn and the others
 * collapsed by shape (per namespace, then per team, then per environment), or else cut.
 * `options.highlight`: credential keys whose chains are always drawn one by one (the changed
 * chains); `maxChars` and `maxEdges` default to Mermaid's limits.
 */
export function mermaidOf(
  model: Model,
  chains: Chain[] = model.chains,
  options: { readonly highlight?: ReadonlySet<string>; readonly maxChars?: number; readonly maxEdges?: number } = {},
): string {
  const maxChars = options.maxChars ?? MERMAID_MAX_CHARS;
  const maxEdges = options.maxEdges ?? MERMAID_MAX_EDGES;
  const highlight = options.highlight ?? new Set<string>();
  const fits = (r: { text: string; edges: number }) => r.text.length <= maxChars && r.edges <= maxEdges;
  const levels: Levels = {
    env: chains.some((c) => c.group?.environment !== undefined),
    team: chains.some((c) => c.group?.team !== undefined),
    namespace: new Set(chains.map((c) => c.group?.namespace)).size > 1,
  };

  const one = chains.map((c) => ({ chains: [c], collapsed: false }));
  const full = render(one, levels);
  if (fits(full)) return full.text;

  const shapes = (by: (c: Chain) => string): Drawn[] => {
    const kept = chains.filter((c) => highlight.has(c.credential.key)).map((c) => ({ chains: [c], collapsed: false }));
    const groups = new Map<string, Chain[]>();
    for (const c of chains) {
      if (highlight.has(c.credential.key)) continue;
      const k = by(c);
      pushTo(groups, k, c);
    }
    return [...kept, ...[...groups.values()].map((cs) => ({ chains: cs, collapsed: true }))];
  };
  const shape = (c: Chain) => `${c.pod?.kind}|${c.pod?.labelled}|${c.grant?.role}|${c.grant?.scopeLevel}|${/in vault (.*)$/.exec(c.grant?.scope ?? "")?.[1] ?? c.grant?.scope}`;
  const g = (c: Chain) => c.group;
  const attempts: Array<[Levels, (c: Chain) => string]> = [
    [levels, (c) => `${g(c)?.environment}|${g(c)?.team}|${g(c)?.stack}|${g(c)?.namespace}|${shape(c)}`],
    [{ ...levels, namespace: false }, (c) => `${g(c)?.environment}|${g(c)?.team}|${g(c)?.stack}|${shape(c)}`],
    [{ ...levels, namespace: false, team: false }, (c) => `${g(c)?.environment}|${shape(c)}`],
    [{ env: false, team: false, namespace: false }, shape],
  ];
  let last: Drawn[] = [];
  let lastLevels = levels;
  for (const [lv, by] of attempts) {
    const items = shapes(by);
    const r = render(items, lv, `${chains.length} chains; repeated shapes collapsed into counts`);
    if (fits(r)) return r.text;
    last = items;
    lastLevels = lv;
  }
  // Still too large (very many changed chains or shapes): draw as many items as fit.
  let lo = 0;
  let hi = last.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const drawnChains = last.slice(0, mid).reduce((n, d) => n + d.chains.length, 0);
    if (fits(render(last.slice(0, mid), lastLevels, `picture cut: ${chains.length - drawnChains} of ${chains.length} chains not drawn`))) lo = mid;
    else hi = mid - 1;
  }
  const drawnChains = last.slice(0, lo).reduce((n, d) => n + d.chains.length, 0);
  return render(last.slice(0, lo), lastLevels, `picture cut: ${chains.length - drawnChains} of ${chains.length} chains not drawn`).text;
}
