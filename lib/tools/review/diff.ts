/**
 * What changed between a base and a head synth output, in identity terms. Modelled changes
 * (credentials, identities, grants, vault settings, service accounts, workloads, propagation
 * waits) say what they mean; every other difference in an identity-relevant resource is listed
 * as an unmodelled change, so a change the model does not understand is never summarised as
 * "no change" (fail safe).
 */
import { Chain, Credential, Grant, Model, ScopeLevel, pushTo } from "./model";
import { ALWAYS_REPORTED_PATH, inertReason, RawEntry } from "./relevance";
import { isObject } from "./util";
import { code, Markdown, md } from "./escape";
import { roleRank } from "./rank";

/** A change between base and head. `security` changes are listed first and marked ⚠️. `text` is Markdown (input escaped). */
export interface Change {
  readonly security: boolean;
  readonly kind: string;
  readonly text: string;
}

/** Which part of which raw block a modelled change explains: the whole block, or the attribute paths matching `paths`. */
interface Claim {
  readonly entry: string;
  readonly paths?: RegExp;
}

export interface ReviewDiff {
  readonly changes: Change[];
  /** Keys of the credentials (base or head) whose chains a change touches. */
  readonly changedCredentials: Set<string>;
}

export const SCOPE_RANK: Record<ScopeLevel, number> = { secret: 1, vault: 2, "resource-group": 3, subscription: 4, other: 0 };

const grantText = (g: Grant) => md`${g.role} on ${g.scope} for ${g.identity.label}`;
const podText = (w: { kind: string; namespace: string; name: string }) => md`${w.kind} ${`${w.namespace}/${w.name}`}`;

/** The claim for a grant: its resource, or the inline block (`vault#access_policy[0]`, `group#members[1]`). */
function grantClaim(key: string): Claim {
  const hash = key.indexOf("#");
  if (hash < 0) return { entry: key };
  const attr = key.slice(hash + 1).replace(/\[\d+\]$/, "");
  return { entry: key.slice(0, hash), paths: new RegExp(`^${attr}(\\[|\\.|$)`) };
}

const CREDENTIAL_PATHS = /^(name|display_name|parent_id|user_assigned_identity_id|application_id|resource_group_name|issuer|subject|audience|audiences|claims_matching_expression)(\[|\.|$)/;
const SAME_GRANT_PATHS = /^(role_definition_name|role_definition_id|principal_id|object_id|scope|key_vault_id)$/;
const CLIENT_ID_PATH = /(^|\.)annotations\.azure\.workload\.identity\/client-id$/;
const USE_LABEL_PATH = /(^|\.)labels\.azure\.workload\.identity\/use$/;
const BINDING_MODE_PATH = /(^|\.)annotations\.azure\.workload\.identity\/use-identity-binding$/;
const NAME_PATH = /^metadata(\[0\])?\.(name|namespace)$/;
const SA_PATH = /(^|\.)(service_account_name|service_account|serviceAccountName|serviceAccount)$/;
/** What a pod runs: images, commands, arguments, environment, lifecycle hooks, working directory. */
const CODE_PATH = /(^|\.)(container|init_container|containers|initContainers|ephemeral_container|ephemeralContainers)(\[\d+\])?\.(image|command|args|env|env_from|envFrom|lifecycle|working_dir|workingDir)(\.|\[|$)/;
/** Projected service account tokens: a volume that writes a token of the pod's service account (with any audience). */
const TOKEN_PATH = /(service_account_token|serviceAccountToken)(\.|\[|$)/;

export function reviewDiff(base: Model, head: Model): ReviewDiff {
  const changes: Array<Change & { claims: Claim[]; credentials: string[] }> = [];
  const add = (security: boolean, kind: string, text: Markdown, claims: Claim[], credentials: string[] = []) =>
    changes.push({ security, kind, text: text.value, claims, credentials });

  const index = (m: Model, by: (c: Credential) => string) => {
    const map = new Map<string, string[]>();
    for (const c of m.credentials) pushTo(map, by(c), c.key);
    return map;
  };
  const byIdentity = new Map([base, head].map((m) => [m, index(m, (c) => c.identity.key)]));
  const bySubject = new Map([base, head].map((m) => [m, index(m, (c) => c.subject)]));
  const credsOfIdentity = (m: Model, identityKey: string) => byIdentity.get(m)!.get(identityKey) ?? [];
  const credsOfWorkload = (m: Model, namespace: string, sa: string) => bySubject.get(m)!.get(`system:serviceaccount:${namespace}:${sa}`) ?? [];

  // Federated credentials: new subjects, in-place updates, replacements, removals.
  const baseCreds = new Map(base.credentials.map((c) => [c.key, c]));
  const headCreds = new Map(head.credentials.map((c) => [c.key, c]));
  const baseSubjects = new Set(base.credentials.map((c) => `${c.identity.key}|${c.subject}`));
  for (const c of head.credentials) {
    if (c.binding) continue; // subjects of identity bindings: below
    const before = baseCreds.get(c.key);
    const claims = [{ entry: c.key, paths: CREDENTIAL_PATHS }];
    if (!before) {
      const isNewSubject = !baseSubjects.has(`${c.identity.key}|${c.subject}`);
      add(true, isNewSubject ? "new subject" : "new federated credential", md`${c.identity.label} now trusts ${code(c.subject)} from ${c.issuer} (credential ${c.name})`, [{ entry: c.key }], [c.key]);
    } else if (before.replaceArgs !== c.replaceArgs) {
      add(true, "federated credential replaced", md`${c.name}: ${describeCredentialChange(before, c)} – a new name, identity or resource group forces replacement; tokens fail until the new credential propagates`, claims, [c.key]);
    } else if (before.updateArgs !== c.updateArgs) {
      add(true, "federated credential updated in place", md`${c.name}: ${describeCredentialChange(before, c)} – updated in place; tokens for the old trust stop working and the new one fails until it propagates`, claims, [c.key]);
    } else if (before.identity.key !== c.identity.key) {
      // Same arguments, but the parent now resolves to another principal (e.g. renamed identity).
      add(true, "federated credential moved to another identity", md`${c.name}: identity ${before.identity.label} → ${c.identity.label}`, claims, [c.key]);
    } else {
      // The same trust however written (e.g. parent_id renamed user_assigned_identity_id).
      changes.push({ security: false, kind: "", text: "", claims, credentials: [] });
    }
  }
  for (const c of base.credentials) {
    if (!c.binding && !headCreds.has(c.key)) add(false, "federated credential removed", md`${c.identity.label} no longer trusts ${code(c.subject)} (credential ${c.name})`, [{ entry: c.key }], [c.key]);
  }

  // AKS identity bindings (preview): a new binding makes an identity usable on a cluster; a new
  // subject of a ClusterRole(Binding) that allows use-managed-identity may then act as it.
  const baseBindings = new Map((base.bindings ?? []).map((b) => [b.key, b]));
  const headBindings = new Map((head.bindings ?? []).map((b) => [b.key, b]));
  const bindingCreds = (m: Model, key: string) => m.credentials.filter((c) => c.binding?.key === key).map((c) => c.key);
  for (const b of head.bindings ?? []) {
    const before = baseBindings.get(b.key);
    if (!before) {
      add(true, "new identity binding", md`${b.identity.label} can now be used on ${b.clusterLabel} by the service accounts a ClusterRole allows (identity binding ${b.name}); AKS writes the credential aks-identity-binding on the identity`, [{ entry: b.key }], bindingCreds(head, b.key));
    } else if (before.replaceArgs !== b.replaceArgs || before.identity.key !== b.identity.key) {
      add(true, "identity binding changed", md`${b.name}: ${before.identity.label} on ${before.clusterLabel} → ${b.identity.label} on ${b.clusterLabel}`, [{ entry: b.key, paths: /^(name|parent_id|type|body)(\.|\[|$)/ }], [...bindingCreds(base, b.key), ...bindingCreds(head, b.key)]);
    }
  }
  for (const b of base.bindings ?? []) if (!headBindings.has(b.key)) add(false, "identity binding removed", md`${b.name}: ${b.identity.label} on ${b.clusterLabel}`, [{ entry: b.key }], bindingCreds(base, b.key));
  const subjectKey = (c: Credential) => `${c.identity.key}|${c.binding!.cluster}|${c.subject}`;
  const baseBound = new Set(base.credentials.filter((c) => c.binding).map(subjectKey));
  const headBound = new Set(head.credentials.filter((c) => c.binding).map(subjectKey));
  const rbacClaims = (c: Credential): Claim[] => [{ entry: c.binding!.roleBinding.replace(/#.*$/, "") }, { entry: c.binding!.clusterRole }];
  for (const c of head.credentials) {
    if (!c.binding) continue;
    if (!baseBound.has(subjectKey(c))) {
      add(true, "new subject allowed to use an identity", md`${code(c.subject)} may now use ${c.identity.label} on ${c.binding.cluster} (${c.issuer}; ClusterRole ${c.binding.clusterRole}, role binding ${c.binding.roleBinding})`, rbacClaims(c), [c.key]);
    }
  }
  for (const c of base.credentials) {
    if (c.binding && !headBound.has(subjectKey(c))) add(false, "subject no longer allowed to use an identity", md`${code(c.subject)} on ${c.binding.cluster} no longer uses ${c.identity.label}`, rbacClaims(c), [c.key]);
  }

  // Managed identities: a new name, resource group or location replaces the identity: a new principal and client id.
  const baseIds = new Map((base.identities ?? []).map((i) => [i.address, i]));
  const headIds = new Map((head.identities ?? []).map((i) => [i.address, i]));
  for (const i of head.identities ?? []) {
    const before = baseIds.get(i.address);
    if (!before) add(false, "new managed identity", md`${i.identity.label} (${i.replaceText})`, [{ entry: i.address }]);
    else if (before.replaceArgs !== i.replaceArgs) {
      add(
        true,
        "identity replaced",
        md`${i.identity.label}: ${before.replaceText} → ${i.replaceText} – a new principal and client id; its grants and federated credentials are re-created, and its workloads get no token until they propagate`,
        [{ entry: i.address, paths: /^(name|resource_group_name|location)$/ }],
        [...credsOfIdentity(base, before.identity.key), ...credsOfIdentity(head, i.identity.key)],
      );
    }
  }
  for (const i of base.identities ?? []) if (!headIds.has(i.address)) add(false, "managed identity removed", md`${i.identity.label}`, [{ entry: i.address }]);

  // Key Vault settings that decide how secrets are granted and kept.
  const baseVaults = new Map((base.vaults ?? []).map((v) => [v.address, v]));
  const headVaults = new Map((head.vaults ?? []).map((v) => [v.address, v]));
  const vaultCredsOf = (m: Model) => {
    const map = new Map<string, Set<string>>();
    for (const c of m.chains) if (c.grant?.vault) map.set(c.grant.vault, (map.get(c.grant.vault) ?? new Set()).add(c.credential.key));
    return map;
  };
  const vaultCredMaps = new Map([base, head].map((m) => [m, vaultCredsOf(m)]));
  const vaultCreds = (m: Model, address: string) => [...(vaultCredMaps.get(m)!.get(address) ?? [])];
  for (const v of head.vaults ?? []) {
    const before = baseVaults.get(v.address);
    if (!before) {
      add(false, "new vault", md`vault ${v.label}`, [{ entry: v.address, paths: /^(?!access_policy)/ }]);
      continue;
    }
    const affected = [...vaultCreds(base, v.address), ...vaultCreds(head, v.address)];
    if (before.rbac !== v.rbac) {
      const mode = (rbac?: boolean) => (rbac ? "Azure RBAC" : "access policies");
      add(true, "vault permission model changed", md`vault ${v.label}: ${mode(before.rbac)} → ${mode(v.rbac)} – ${v.rbac ? "access policies stop granting and role assignments start" : "role assignments stop granting secret access and access policies start"}`, [{ entry: v.address, paths: /^(rbac_authorization_enabled|enable_rbac_authorization)$/ }], affected);
    }
    if (before.purgeProtection !== v.purgeProtection) {
      add(true, "purge protection changed", md`vault ${v.label}: purge protection ${before.purgeProtection ? "on" : "off"} → ${v.purgeProtection ? "on" : "off"}${v.purgeProtection ? "" : " – deleted secrets can be purged at once"}`, [{ entry: v.address, paths: /^purge_protection_enabled$/ }], affected);
    }
    if (before.softDeleteDays !== v.softDeleteDays) {
      add(true, "soft delete changed", md`vault ${v.label}: soft-delete retention ${String(before.softDeleteDays ?? "?")} → ${String(v.softDeleteDays ?? "?")} days`, [{ entry: v.address, paths: /^soft_delete_retention_days$/ }], affected);
    }
  }
  for (const v of base.vaults ?? []) if (!headVaults.has(v.address)) add(false, "vault removed", md`vault ${v.label}`, [{ entry: v.address, paths: /^(?!access_policy)/ }]);

  // Grants: new, widened, stronger, changed condition, removed; compared by principal, role, scope and condition.
  const content = (g: Grant) => `${g.identity.key}|${g.role}|${g.scope}|${g.condition ?? ""}`;
  const baseByContent = new Map<string, Grant[]>();
  for (const g of base.grants) pushTo(baseByContent, content(g), g);
  const headByContent = new Map<string, Grant[]>();
  for (const g of head.grants) pushTo(headByContent, content(g), g);
  const goneByIdentity = new Map<string, Grant[]>();
  for (const b of base.grants) if (!headByContent.has(content(b))) pushTo(goneByIdentity, b.identity.key, b);
  const headGrantKeys = new Set(head.grants.map((g) => g.key));
  // Base grants that a head grant replaced (widened, strengthened…) are reported once, there.
  const replaced = new Set<Grant>();
  for (const g of head.grants) {
    const same = baseByContent.get(content(g));
    const creds = credsOfIdentity(head, g.identity.key);
    if (same) {
      // The same principal, role and scope, however written (a role by name or by id, another reference to the same principal).
      const sameKey = same.find((x) => x.key === g.key);
      if (sameKey) changes.push({ security: false, kind: "", text: "", claims: [{ ...grantClaim(g.key), paths: SAME_GRANT_PATHS }], credentials: [] });
      if (!sameKey && !headGrantKeys.has(same[0].key)) {
        add(false, "grant re-created", md`${grantText(g)} – the same grant under a new address: Terraform deletes and re-creates it`, [grantClaim(g.key), ...same.map((b) => grantClaim(b.key))], creds);
      }
      continue;
    }
    const gone = (goneByIdentity.get(g.identity.key) ?? []).filter((b) => !replaced.has(b));
    const widened = gone.find((b) => b.role === g.role && (b.condition ?? "") === (g.condition ?? "") && SCOPE_RANK[g.scopeLevel] > SCOPE_RANK[b.scopeLevel]);
    const conditioned = gone.find((b) => b.role === g.role && b.scope === g.scope && (b.condition ?? "") !== (g.condition ?? ""));
    const roleChanged = gone.find((b) => b.scope === g.scope && b.kind === g.kind && b.role !== g.role);
    if (widened) {
      replaced.add(widened);
      add(true, "widened scope", md`${g.role} for ${g.identity.label}: ${widened.scope} → ${g.scope}`, [grantClaim(g.key), grantClaim(widened.key)], creds);
    } else if (conditioned) {
      replaced.add(conditioned);
      const text =
        g.condition === undefined
          ? md`${g.identity.label} on ${g.scope} (${g.role}): condition ${code(conditioned.condition ?? "")} removed – the grant is no longer narrowed`
          : md`${g.identity.label} on ${g.scope} (${g.role}): condition ${code(conditioned.condition ?? "(none)")} → ${code(g.condition)}`;
      add(true, g.condition === undefined ? "grant condition removed" : "grant condition changed", text, [grantClaim(g.key), grantClaim(conditioned.key)], creds);
    } else if (roleChanged) {
      replaced.add(roleChanged);
      const stronger = roleRank(g.role) > roleRank(roleChanged.role);
      add(true, stronger ? "stronger role" : "role changed", md`${g.identity.label} on ${g.scope}: ${roleChanged.role} → ${g.role}`, [grantClaim(g.key), grantClaim(roleChanged.key)], creds);
    } else {
      add(true, "new grant", grantText(g), [grantClaim(g.key)], creds);
    }
  }
  for (const b of base.grants) {
    if (!replaced.has(b) && !headByContent.has(content(b))) add(false, "grant removed", grantText(b), [grantClaim(b.key)], credsOfIdentity(base, b.identity.key));
  }

  // Access gained through a shared identity.
  const sharedKey = (s: Model["sharedAccess"][number]) => `${s.workload}|${s.identity.key}|${s.grant.role}|${s.grant.scope}`;
  const baseShared = new Set(base.sharedAccess.map(sharedKey));
  for (const s of head.sharedAccess) {
    if (!baseShared.has(sharedKey(s))) {
      const [ns, sa] = s.workload.split("/");
      add(true, "access through shared identity", new Markdown(sharedAccessMarkdown(s)), [], credsOfWorkload(head, ns, sa ?? ""));
    }
  }

  // Service accounts: the client-id annotation decides which identity their pods act as.
  const baseSas = new Map(base.serviceAccounts.map((s) => [s.key, s]));
  const headSas = new Map(head.serviceAccounts.map((s) => [s.key, s]));
  for (const s of head.serviceAccounts) {
    const before = baseSas.get(s.key);
    const creds = credsOfWorkload(head, s.namespace, s.name);
    if (!before) {
      // A service account is the trust boundary: whatever runs as it gets its identity's tokens.
      add(true, "new service account", md`${`${s.namespace}/${s.name}`}${s.clientIdentity ? md` annotated for ${s.clientIdentity.label}` : md``}${creds.length ? md` – trusted by ${creds.length} federated credential${creds.length === 1 ? "" : "s"}` : md``}`, [{ entry: s.key }], creds);
      continue;
    }
    const manifest = s.key.includes("/manifest:");
    if ((before.clientIdentity?.key ?? "") !== (s.clientIdentity?.key ?? "")) {
      add(
        true,
        "service account annotation switched",
        md`${`${s.namespace}/${s.name}`}: client id ${before.clientIdentity?.label ?? "(none)"} → ${s.clientIdentity?.label ?? "(none)"} – pods that use it now act as ${s.clientIdentity?.label ?? "no identity"}`,
        [{ entry: s.key, ...(manifest ? {} : { paths: CLIENT_ID_PATH }) }],
        [...creds, ...credsOfWorkload(base, before.namespace, before.name)],
      );
    }
    if (before.namespace !== s.namespace || before.name !== s.name) {
      add(false, "service account renamed", md`${`${before.namespace}/${before.name}`} → ${`${s.namespace}/${s.name}`}`, [{ entry: s.key, ...(manifest ? {} : { paths: NAME_PATH }) }], [...creds, ...credsOfWorkload(base, before.namespace, before.name)]);
    }
  }
  for (const s of base.serviceAccounts) if (!headSas.has(s.key)) add(false, "service account removed", md`${`${s.namespace}/${s.name}`}`, [{ entry: s.key }], credsOfWorkload(base, s.namespace, s.name));

  // Workloads: gained or lost the label, switched service accounts, new or removed.
  const baseWorkloads = new Map(base.workloads.map((w) => [w.key, w]));
  const headWorkloads = new Map(head.workloads.map((w) => [w.key, w]));
  for (const w of head.workloads) {
    const before = baseWorkloads.get(w.key);
    const creds = credsOfWorkload(head, w.namespace, w.serviceAccount);
    if (!before) {
      // Every new pod-bearing object is ⚠️: one running as a federated service account is a principal of its identity, labelled or not.
      add(true, "new workload", md`${podText(w)} runs as ${creds.length ? md`federated service account ` : md``}${`${w.namespace}/${w.serviceAccount}`}${creds.length ? (w.labelled ? md` with workload identity` : md` without the azure.workload.identity/use label: the webhook injects no token, but the pod can request one for its service account and exchange it`) : md``}`, [{ entry: w.key }], creds);
      continue;
    }
    const manifest = w.key.includes("/manifest:");
    const claim = (paths: RegExp): Claim => ({ entry: w.key, ...(manifest ? {} : { paths }) });
    if (before.labelled && !w.labelled) add(true, "lost workload identity label", md`${podText(w)} no longer has azure.workload.identity/use: "true" – it will get no token`, [claim(USE_LABEL_PATH)], creds);
    if ((before.bindingMode ?? false) !== (w.bindingMode ?? false)) {
      add(
        true,
        w.bindingMode ? "workload switched to identity binding" : "workload switched to direct federation",
        md`${podText(w)}: ${w.bindingMode ? "now has" : "no longer has"} azure.workload.identity/use-identity-binding: "true" – its token is now for ${w.bindingMode ? "the identity binding (audience api://AKSIdentityBinding)" : "federated credentials (audience api://AzureADTokenExchange)"}`,
        [claim(BINDING_MODE_PATH)],
        creds,
      );
    }
    if (!before.labelled && w.labelled) add(true, "gained workload identity label", md`${podText(w)} now has azure.workload.identity/use: "true" – it gets tokens for ${`${w.namespace}/${w.serviceAccount}`}'s identity`, [claim(USE_LABEL_PATH)], creds);
    if (before.serviceAccount !== w.serviceAccount) {
      add(true, "service account changed", md`${podText(w)}: ${before.serviceAccount} → ${w.serviceAccount}`, [claim(SA_PATH)], [...creds, ...credsOfWorkload(base, before.namespace, before.serviceAccount)]);
    }
    if (before.namespace !== w.namespace || before.name !== w.name) add(false, "workload renamed", md`${podText(before)} → ${podText(w)}`, [claim(NAME_PATH)], creds);
    // The service account is the trust boundary: what runs as a federated one acts as its identity.
    const [rb, rh] = [base.raw?.get(w.key)?.body, head.raw?.get(w.key)?.body];
    if (rb !== undefined && rh !== undefined) {
      const paths = changedPaths(rb, rh);
      const tokens = paths.filter((p) => TOKEN_PATH.test(p));
      if (tokens.length) add(true, "projected service account token", md`${podText(w)}: ${joinCodes([...new Set(tokens)].slice(0, 4))} changed – a projected token of ${`${w.namespace}/${w.serviceAccount}`} can be exchanged by whoever reads it`, [claim(TOKEN_PATH)], creds);
      const code = paths.filter((p) => CODE_PATH.test(p) && !TOKEN_PATH.test(p));
      if (code.length && creds.length) {
        add(true, "code running as a federated service account changed", md`${podText(w)} runs as ${`${w.namespace}/${w.serviceAccount}`}: ${joinCodes([...new Set(code.map((p) => p.replace(/^.*?(\w+)(\[\d+\])?$/, "$1")))].slice(0, 6))} changed – the new code gets the identity's tokens`, [claim(CODE_PATH)], creds);
      }
    }
  }
  for (const w of base.workloads) if (!headWorkloads.has(w.key)) add(false, "workload removed", podText(w), [{ entry: w.key }], credsOfWorkload(base, w.namespace, w.serviceAccount));

  // Propagation waits: pods wait for new credentials and grants to take effect.
  const baseRaw = base.raw ?? new Map<string, RawEntry>();
  const headRaw = head.raw ?? new Map<string, RawEntry>();
  const isWait = (k: string) => /\/time_sleep\.[^/]*$/.test(k);
  for (const [k, v] of headRaw) {
    if (!isWait(k)) continue;
    if (!baseRaw.has(k)) add(false, "propagation wait added", md`${k}`, [{ entry: k }]);
    else if (JSON.stringify(baseRaw.get(k)) !== JSON.stringify(v)) add(false, "propagation wait re-created", md`${k} (its duration or triggers changed)`, [{ entry: k }]);
  }
  for (const k of baseRaw.keys()) {
    if (isWait(k) && !headRaw.has(k)) add(true, "propagation wait removed", md`${k} – pods may start before their credential or grant has propagated`, [{ entry: k }]);
  }

  // Secrets: new and removed ones are scopes; the grants on them are compared above.
  const isSecret = (k: string) => /\/azurerm_key_vault_secret\.[^/]*$/.test(k);
  for (const k of headRaw.keys()) if (isSecret(k) && !baseRaw.has(k)) add(false, "new secret", md`${k}`, [{ entry: k }]);
  for (const k of baseRaw.keys()) if (isSecret(k) && !headRaw.has(k)) add(false, "secret removed", md`${k}`, [{ entry: k }]);

  // Passwords, certificates and owners of applications: whoever holds or is one acts as the application.
  const actorKey = (a: NonNullable<Model["actors"]>[number]) => `${a.key}|${a.identity.key}|${a.who}`;
  const baseActors = new Set((base.actors ?? []).map(actorKey));
  const headActors = new Set((head.actors ?? []).map(actorKey));
  const actorText = (a: NonNullable<Model["actors"]>[number]) =>
    a.kind === "owner" ? md`${a.who} owns ${a.identity.label}: an owner can add credentials to it and act as it` : md`${a.kind} ${a.who} on ${a.identity.label}: whoever holds it acts as it`;
  for (const a of head.actors ?? []) {
    if (!baseActors.has(actorKey(a))) add(true, a.kind === "owner" ? "new application owner" : "new application credential", actorText(a), [grantClaim(a.key)], credsOfIdentity(head, a.identity.key));
    else changes.push({ security: false, kind: "", text: "", claims: [grantClaim(a.key)], credentials: [] });
  }
  for (const a of base.actors ?? []) {
    if (!headActors.has(actorKey(a))) add(false, a.kind === "owner" ? "application owner removed" : "application credential removed", actorText(a), [grantClaim(a.key)], credsOfIdentity(base, a.identity.key));
  }

  // The security pass: a stack that no longer carries its record, and every new suppression.
  const ranIn = new Set((base.guardrails ?? []).filter((g) => g.ran).map((g) => g.stack));
  const suppressedKey = (x: { rule: string; path: string; reason: string }) => `${x.rule}|${x.path}|${x.reason}`;
  const baseSuppressed = new Set((base.guardrails ?? []).flatMap((g) => g.suppressed.map(suppressedKey)));
  for (const g of head.guardrails ?? []) {
    if (!g.ran && ranIn.has(g.stack)) add(true, "guardrails did not run", md`stack ${g.stack} carries no record of the security pass (built with skipValidation, or not by this library): its guardrail findings are unknown`, []);
    for (const x of g.suppressed) {
      if (!baseSuppressed.has(suppressedKey(x))) add(true, "new suppression", md`${x.rule} on ${code(x.path)} in stack ${g.stack} is suppressed because ${x.reason}${x.message ? md` (the finding: ${x.message})` : md``}`, []);
    }
  }

  // Fail closed: every other difference in a block that is not inert (relevance.ts).
  const tagsMatter = [...base.grants, ...head.grants].some((g) => /tags/i.test(g.condition ?? ""));
  const claimsByEntry = new Map<string, Claim[]>();
  for (const c of changes) for (const claim of c.claims) pushTo(claimsByEntry, claim.entry, claim);
  for (const entry of new Set([...baseRaw.keys(), ...headRaw.keys()])) {
    const [b, h] = [baseRaw.get(entry), headRaw.get(entry)];
    if (b !== undefined && h !== undefined && JSON.stringify(b) === JSON.stringify(h)) continue;
    const type = (h ?? b)!.type;
    const what = describeEntry(entry, type);
    // Provisioners, connections and dynamic blocks: reported whatever a modelled change claims.
    const always = changedPaths(isObject(b?.body) ? b!.body : {}, isObject(h?.body) ? h!.body : {}).filter((p) => ALWAYS_REPORTED_PATH.test(p));
    if (always.length) {
      const attrs = [...new Set(always.map((p) => p.split(/[.[]/)[0]))];
      add(true, attrs.some((a) => a === "provisioner" || a === "connection") ? "provisioner" : "dynamic block", md`${what.label}: ${joinCodes(attrs)} ${b === undefined ? "added" : h === undefined ? "removed" : "changed"} – ${ALWAYS_NOTE}`, []);
    }
    const claims = claimsByEntry.get(entry) ?? [];
    if (b === undefined || h === undefined) {
      if (claims.length) continue;
      add(true, what.kind, md`${what.label} ${b === undefined ? "added" : "removed"}${new Markdown(what.note)}`, []);
      continue;
    }
    if (claims.some((c) => !c.paths)) continue;
    const changed = changedPaths(b.body, h.body).filter((p) => !ALWAYS_REPORTED_PATH.test(p) && !claims.some((c) => c.paths!.test(p)) && inertReason(type, p, tagsMatter) === undefined);
    if (changed.length === 0) continue;
    const attrs = [...new Set(changed.map((p) => p.split(/[.[]/)[0] || "(value)"))];
    add(true, what.kind, md`${what.label} changed: ${joinCodes(attrs.slice(0, 6))}${new Markdown(attrs.length > 6 ? ` and ${attrs.length - 6} more` : "")}${new Markdown(what.note)}`, []);
  }

  const changedCredentials = new Set(changes.flatMap((c) => c.credentials));
  const real = changes.filter((c) => c.kind !== "");
  const rank = (c: Change) => (c.security ? RISK[c.kind] ?? 50 : -1);
  const ordered = real.map((c, i) => [c, i] as const).sort(([a, i], [b, j]) => rank(b) - rank(a) || i - j).map(([c]) => c);
  return { changes: ordered.map(({ security, kind, text }) => ({ security, kind, text })), changedCredentials };
}

/** The order of ⚠️ changes, riskiest first: code that runs with the deployer's rights, checks switched off, then wider access. Others rank 50. */
const RISK: Record<string, number> = {
  provisioner: 100,
  "guardrails did not run": 95,
  "provider configuration changed": 92,
  "provider requirement changed": 91,
  "state backend changed": 90,
  "stronger role": 85,
  "widened scope": 84,
  "new grant": 80,
  "access through shared identity": 78,
  "new subject": 75,
  "new application credential": 74,
  "new application owner": 74,
  "federated credential updated in place": 72,
  "federated credential replaced": 72,
  "service account annotation switched": 70,
  "code running as a federated service account changed": 68,
  "new suppression": 66,
  "dynamic block": 60,
  "new workload": 55,
  "new service account": 54,
};

const ALWAYS_NOTE = "a provisioner or connection runs commands at apply with the deployer's credentials, and a dynamic block generates blocks the review cannot see: check it";

const joinCodes = (xs: string[]) => new Markdown(xs.map((a) => md`${code(a)}`.value).join(", "));

/** What a block is, in words: its kind of change, its label and a note on what to check. */
function describeEntry(entry: string, type: string): { kind: string; label: Markdown; note: string } {
  const slash = entry.indexOf("/");
  const [stack, address] = [entry.slice(0, slash), entry.slice(slash + 1)];
  const label = md`${code(address)} in stack ${stack}`;
  const note = (kind: string, text: string) => ({ kind, label, note: ` – ${text}` });
  if (type === "module") return note("unmodelled change", "the review cannot see a module's resources: check what it creates and grants");
  if (type === "provider") return note("provider configuration changed", "a provider's subscription, tenant, credentials or alias decide where every resource that uses it is applied: check it");
  if (type === "terraform.backend" || type === "terraform.cloud") return note("state backend changed", "where this stack's state lives, and what other stacks read through terraform_remote_state: check it");
  if (type === "terraform.required_providers") return note("provider requirement changed", "a provider's source or version decides the code that applies this stack: check it");
  if (type.startsWith("terraform")) return note("terraform settings changed", "Terraform's own settings for this stack: check them");
  if (type === "variable") return note("variable changed", "a variable's default feeds whatever uses it: check it");
  if (type === "local") return note("local value changed", "a local value feeds whatever uses it: check it");
  if (type === "output") return note("output changed", "an output feeds the stacks that read it through terraform_remote_state: check it");
  if (type === "import" || type === "moved" || type === "removed") return note(`${type} block changed`, `an ${type} block changes which real objects Terraform manages: check it`);
  if (type === "data.external" || type === "data.http") return note("unmodelled change", "this data source runs or fetches at plan, on the machine that plans: check it");
  if (/^kubernetes_token_request(_v1)?$/.test(type)) return note("token request", "requests a token for a service account: whoever reads it acts as that service account, and as its identity when the service account is federated");
  if (type.startsWith("ephemeral.")) return note("unmodelled change", "an ephemeral resource opens or reads something at plan and apply: check it");
  return note("unmodelled change", "the review does not model this: check it");
}

/** The attribute paths (`a.b[0].c`) whose values differ between two JSON values. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const join = (k: string | number) => (typeof k === "number" ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k);
  // An added or removed block is compared leaf by leaf, so that what it holds (a token volume, a provisioner) is named.
  // (An empty one is still a change, at its own path.)
  const orSelf = (paths: string[]) => (paths.length ? paths : [prefix]);
  if (a === undefined && (isObj(b) || Array.isArray(b))) return orSelf(changedPaths(Array.isArray(b) ? [] : {}, b, prefix));
  if (b === undefined && (isObj(a) || Array.isArray(a))) return orSelf(changedPaths(a, Array.isArray(a) ? [] : {}, prefix));
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...changedPaths(a[i], b[i], join(i)));
    return out;
  }
  if (isObj(a) && isObj(b)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out.push(...changedPaths(a[k], b[k], join(k)));
    return out;
  }
  // cdktf writes a single nested block as an object; Terraform reads it as a one-element list.
  if (Array.isArray(a) && a.length === 1 && isObj(b)) return changedPaths(a[0], b, prefix);
  if (Array.isArray(b) && b.length === 1 && isObj(a)) return changedPaths(a, b[0], prefix);
  return [prefix];
}

export function diffModels(base: Model, head: Model): Change[] {
  return reviewDiff(base, head).changes;
}

function describeCredentialChange(a: Credential, b: Credential): Markdown {
  const parts: Markdown[] = [];
  if (a.subject !== b.subject) parts.push(md`subject ${code(a.subject)} → ${code(b.subject)}`);
  if (a.issuer !== b.issuer) parts.push(md`issuer ${a.issuer} → ${b.issuer}`);
  if (JSON.stringify(a.audience) !== JSON.stringify(b.audience)) parts.push(md`audience ${a.audience.join(",")} → ${b.audience.join(",")}`);
  if (a.identity.key !== b.identity.key) parts.push(md`identity ${a.identity.label} → ${b.identity.label}`);
  if (a.name !== b.name) parts.push(md`name ${a.name} → ${b.name}`);
  if (a.resourceGroup !== b.resourceGroup) parts.push(md`resource group ${a.resourceGroup ?? "–"} → ${b.resourceGroup ?? "–"}`);
  return parts.length ? new Markdown(parts.map((p) => p.value).join("; ")) : md`arguments changed`;
}

/** A chain as one line of words, to compare base and head rows. */
export function chainKey(c: Chain): string {
  return [
    c.pod ? `${c.pod.kind} ${c.pod.namespace}/${c.pod.name}` : "(no pod)",
    c.serviceAccount ? `sa ${c.serviceAccount.namespace}/${c.serviceAccount.name}` : "(no service account)",
    `${c.credential.subject} @ ${c.credential.issuer}`,
    c.credential.identity.label,
    c.grant ? `${c.grant.role} on ${c.grant.scope}` : "(no grant)",
  ].join(" → ");
}

// ---- shared access text (used by the diff and the renderer) --------------------------------

const WHOLE: Partial<Record<ScopeLevel, string>> = { vault: "vault", "resource-group": "resource group", subscription: "subscription" };

/** A grant's scope in words: "the whole vault kv" for a vault, resource group or subscription. */
function scopePhrase(g: Grant): Markdown {
  const word = WHOLE[g.scopeLevel];
  if (!word) return md`${g.scope}`;
  return g.scope.startsWith(word) ? md`the whole ${g.scope}` : md`the whole ${word} ${g.scope}`;
}

/** Why a workload reaches a grant through a shared identity: whom it was made for, and by which construct. */
export function sharedWhy(s: Model["sharedAccess"][number]): Markdown {
  const construct = s.grant.path?.replace(/\/[^/]*$/, "");
  const names = (xs: string[]) => new Markdown(xs.map((x) => md`${x}`.value).join(", "));
  if (s.evidence === "identity owner") return md`identity of ${names(s.grantedFor)}${construct ? md`; granted by ${construct}` : md``}`;
  if (s.grantedFor.length === 0) {
    return md`shared with ${names(s.sharedWith)}; nothing in these stacks tells which workload this grant was made for${construct ? md` (granted by ${construct})` : md``}`;
  }
  return md`granted for ${names(s.grantedFor)}${construct ? md` by ${construct}` : md``}`;
}

/** "ns/sa-b gets Key Vault Secrets User on the whole vault kv through shared identity id-x (granted for ns/sa-a by …)", as Markdown. */
export function sharedAccessMarkdown(s: Model["sharedAccess"][number]): string {
  return md`${s.workload} gets ${s.grant.role} on ${scopePhrase(s.grant)} through shared identity ${s.identity.label} (${sharedWhy(s)})`.value;
}
