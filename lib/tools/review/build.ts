/**
 * Builds the {@link Model} of a synth output: the workload identity trust chains pod → service
 * account → federated credential → managed identity → role or access policy → scope. Works on
 * any Terraform JSON with these resource types, not only on stacks built with this library.
 */
import * as path from "path";
import {
  CLIENT_ID_ANNOTATION,
  IDENTITY_BINDING_API_GROUP,
  IDENTITY_BINDING_VERB,
  TOKEN_EXCHANGE_AUDIENCE,
  USE_IDENTITY_BINDING_ANNOTATION,
  USE_LABEL,
} from "../../core/constants";
import { manifestKey, rawResources } from "./relevance";
import { Resolver } from "./resolve";
import { accessPolicyRole, roleFromDefinitionId } from "./roles";
import type { Actor, Chain, Credential, Grant, Identity, IdentityBindingEntry, Model, Ref, ScopeLevel, ServiceAccount, SharedAccess, SynthOutput, Workload } from "./types";
import { first, list, pushTo, ReviewInputError, str } from "./util";

const SA_SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** The audience of the tokens of pods in identity-binding mode (azure-workload-identity's custom token endpoint on AKS). */
const IDENTITY_BINDING_AUDIENCE = "api://AKSIdentityBinding";

/** The webhook compares the annotation's value with "true" without case (pkg/webhook/webhook.go isUsingCustomTokenEndpoint). */
const isBindingMode = (v: unknown): boolean => typeof v === "string" && v.toLowerCase() === "true";

/** The workload a credential trusts: `namespace/service-account` for Kubernetes, else the subject. */
export function workloadOf(credential: Credential): string {
  const m = SA_SUBJECT.exec(credential.subject);
  return m ? `${m[1]}/${m[2]}` : credential.subject;
}

const POD_TYPES = new Set(["kubernetes_pod", "kubernetes_pod_v1"]);
const TEMPLATE_TYPES = new Set([
  "kubernetes_deployment", "kubernetes_deployment_v1", "kubernetes_stateful_set", "kubernetes_stateful_set_v1",
  "kubernetes_daemonset", "kubernetes_daemon_set_v1", "kubernetes_job", "kubernetes_job_v1",
]);
const CRON_TYPES = new Set(["kubernetes_cron_job", "kubernetes_cron_job_v1"]);

export function* resources(out: SynthOutput, kind: "resource" | "data" = "resource", types?: (type: string) => boolean): Generator<{ stack: string; type: string; name: string; body: any }> {
  for (const s of out.stacks) {
    for (const [type, byName] of Object.entries<any>(s.json?.[kind] ?? {})) {
      if (types && !types(type)) continue;
      for (const [name, body] of Object.entries<any>(byName ?? {})) yield { stack: s.name, type, name, body };
    }
  }
}

export function pathOf(body: any): string | undefined {
  const p = body?.["//"]?.metadata?.path;
  return typeof p === "string" ? p : undefined;
}

function scopeLevel(scope: string): ScopeLevel {
  if (/\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/secrets\//i.test(scope) || /^secret /.test(scope)) return "secret";
  if (/\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(scope) || /^vault /.test(scope)) return "vault";
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(scope) || /^resource group /.test(scope)) return "resource-group";
  if (/^\/subscriptions\/[^/]+$/i.test(scope) || /^subscription/.test(scope)) return "subscription";
  return "other";
}

/** Runs `fn` for one resource; an unexpected shape becomes a ReviewInputError naming the file and the resource. */
function guarded<T>(out: SynthOutput, stack: string, address: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ReviewInputError) throw e;
    const file = out.stacks.find((s) => s.name === stack)?.file ?? path.join(out.dir, "stacks", stack, "cdk.tf.json");
    throw new ReviewInputError(`${file}: ${address} has an unexpected shape (${(e as Error).message})`);
  }
}

export function buildModel(out: SynthOutput): Model {
  const r = new Resolver(out);
  const stackOf = new Map(out.stacks.map((s) => [s.name, s]));

  /** Names a resource by its `name` argument when known, else by its address. */
  const describeEntity = (ref: Ref): string => {
    const body = r.body(ref);
    const name = body ? r.literal(ref.stack, body.name) : undefined;
    return name ?? r.key(ref);
  };

  // One Identity object per principal, so that labels can be made unambiguous afterwards.
  const identityByKey = new Map<string, { key: string; label: string; kind: NonNullable<Identity["kind"]>; address?: string; name: string; where?: string }>();
  const identityFor = (key: string, label: string, kind: NonNullable<Identity["kind"]>, address?: string, where?: string): Identity => {
    let id = identityByKey.get(key);
    if (!id) identityByKey.set(key, (id = { key, label, kind, address, name: label, where }));
    return id;
  };

  /** `sub/` for a literal subscription, `alias <name>/` for an aliased provider without one, "" for the default provider. */
  const subscriptionOf = (stack: string, provider: unknown): string => {
    const alias = typeof provider === "string" ? /^azurerm\.(.+)$/.exec(provider.replace(/^\$\{|\}$/g, ""))?.[1] : undefined;
    const configs = stackOf.get(stack)?.json?.provider?.azurerm;
    const config = (Array.isArray(configs) ? configs : configs ? [configs] : []).find((c: any) => (alias === undefined ? c?.alias === undefined : c?.alias === alias));
    const sub = r.literal(stack, config?.subscription_id);
    if (sub !== undefined) return `${sub.toLowerCase()}/`;
    return alias !== undefined ? `alias ${alias}/` : "";
  };

  /** The principal of a user-assigned identity resource or data source: its resource group and name, when literal. */
  const managedIdentity = (ref: Ref): Identity => {
    const body = r.body(ref);
    const rg = r.literal(ref.stack, body?.resource_group_name);
    const name = r.literal(ref.stack, body?.name);
    const address = r.key(ref);
    // The principal is the identity's subscription, resource group and name: the subscription is
    // the one of the provider configuration the resource uses (its literal subscription_id, else
    // the provider alias, else the stack's default provider).
    const where = subscriptionOf(ref.stack, body?.provider);
    const key = rg !== undefined && name !== undefined ? `managed-identity:${where}${rg.toLowerCase()}/${name.toLowerCase()}` : address;
    return identityFor(key, `${describeEntity(ref)}${ref.kind === "data" ? " (existing)" : ""}`, "managed identity", address, rg);
  };

  /**
   * The workload principal a value refers to: a user-assigned identity (its id, client id or
   * principal id), or an Entra application (its id or client id, or its service principal's
   * object id). Literal ids stay literal.
   */
  const identityOf = (stack: string, value: unknown, depth = 0): Identity => {
    const ref = r.ref(stack, value);
    if (ref && ref.type === "azurerm_user_assigned_identity") return managedIdentity(ref);
    if (ref && ref.type === "azuread_application") {
      const name = r.literal(ref.stack, r.body(ref)?.display_name);
      return identityFor(`application:${r.key(ref)}`, `application ${name ?? r.key(ref)}`, "application", r.key(ref));
    }
    if (ref && ref.type === "azuread_service_principal" && depth < 2) {
      const app = identityOf(ref.stack, r.body(ref)?.client_id, depth + 1);
      if (!app.key.startsWith("literal:")) return app;
    }
    if (ref && ref.type === "azuread_group") {
      const name = r.literal(ref.stack, r.body(ref)?.display_name);
      return identityFor(`group:${r.key(ref)}`, `Entra group ${name ?? r.key(ref)}`, "group", r.key(ref));
    }
    const lit = str(value);
    const named = /userAssignedIdentities\/([^/]+)$/i.exec(lit)?.[1];
    return identityFor(`literal:${lit}`, named ? `${named} (by id)` : lit, named ? "managed identity" : "principal");
  };

  const describeIssuer = (stack: string, value: unknown): string => {
    const ref = r.ref(stack, value);
    if (ref && /kubernetes_cluster$/.test(ref.type) && ref.attr === "oidc_issuer_url") {
      return `OIDC issuer of AKS ${describeEntity(ref)}${ref.kind === "data" ? " (read)" : ""}`;
    }
    return r.literal(stack, value) ?? str(value);
  };

  /** A scope in words, and the vault it is on or in. */
  const describeScope = (stack: string, value: unknown): { scope: string; vault?: string } => {
    const ref = r.ref(stack, value);
    if (ref) {
      const body = r.body(ref);
      // Each scope is described by the attribute it uses: another attribute of the same resource
      // is another scope (a secret's key_vault_id is its vault), or shown as written.
      const asWritten = { scope: `${r.key(ref)}.${ref.attr}${ref.suffix}` };
      if (ref.type === "azurerm_key_vault_secret") {
        const vaultRef = body ? r.ref(ref.stack, body.key_vault_id) : undefined;
        if (ref.attr === "key_vault_id" && !ref.suffix) return body ? describeScope(ref.stack, body.key_vault_id) : asWritten;
        if (!/^(id|resource_id|resource_versionless_id|versionless_id)$/.test(ref.attr) || ref.suffix) return asWritten;
        return { scope: `secret ${describeEntity(ref)} in vault ${vaultRef ? describeEntity(vaultRef) : "?"}`, vault: vaultRef ? r.key(vaultRef) : undefined };
      }
      if (ref.type === "azurerm_key_vault") {
        if (ref.attr !== "id") return asWritten;
        if (!ref.suffix) return { scope: `vault ${describeEntity(ref)}`, vault: r.key(ref) };
        const m = /^\/secrets\/([^/]+)$/.exec(ref.suffix);
        return m ? { scope: `secret ${m[1]} in vault ${describeEntity(ref)}`, vault: r.key(ref) } : asWritten;
      }
      if (ref.type === "azurerm_resource_group") return ref.attr === "id" && !ref.suffix ? { scope: `resource group ${describeEntity(ref)}` } : asWritten;
      if (ref.type === "azurerm_subscription" || ref.type === "azurerm_client_config") {
        if (ref.suffix) return asWritten;
        const id = ref.kind === "data" ? ` (${r.key(ref)})` : "";
        return { scope: `subscription${id}` };
      }
      return asWritten;
    }
    return { scope: r.literal(stack, value) ?? str(value) };
  };

  /**
   * A role given by `role_definition_id`: the id as written (the subscription part may be an
   * interpolation), or a `azurerm_role_definition` data source read by name or id.
   */
  const roleById = (stack: string, value: unknown): { role: string; guid?: string } | undefined => {
    const ref = r.ref(stack, value);
    if (ref && ref.kind === "data" && ref.type === "azurerm_role_definition" && !ref.suffix) {
      const body = r.body(ref);
      const name = r.literal(ref.stack, body?.name);
      if (name) return { role: name };
      const id = r.literal(ref.stack, body?.role_definition_id);
      return id ? roleFromDefinitionId(id) : undefined;
    }
    const text = r.literal(stack, value) ?? (typeof value === "string" ? value : undefined);
    return text ? roleFromDefinitionId(text) : undefined;
  };

  const identities: NonNullable<Model["identities"]> = [];
  for (const kind of ["resource", "data"] as const) {
    for (const res of resources(out, kind, (t) => t === "azurerm_user_assigned_identity")) {
      guarded(out, res.stack, `${res.type}.${res.name}`, () => {
        const ref: Ref = { stack: res.stack, kind, type: res.type, name: res.name, attr: "", suffix: "" };
        const b = res.body;
        identities.push({
          address: r.key(ref),
          identity: managedIdentity(ref),
          replaceArgs: JSON.stringify([b.name, b.resource_group_name, kind === "resource" ? b.location : undefined]),
          replaceText: `name ${str(r.literal(res.stack, b.name) ?? b.name)}, resource group ${str(r.literal(res.stack, b.resource_group_name) ?? b.resource_group_name)}${kind === "resource" ? `, location ${str(r.literal(res.stack, b.location) ?? b.location)}` : ""}`,
        });
      });
    }
  }

  const credentials: Credential[] = [];
  for (const res of resources(out, "resource", (t) => /federated_identity_credential$/.test(t))) {
    // Managed identities (azurerm) and app registrations (azuread) hold federated credentials.
    const isApp = res.type === "azuread_application_federated_identity_credential" || res.type === "azuread_application_flexible_federated_identity_credential";
    if (res.type !== "azurerm_federated_identity_credential" && !isApp) continue;
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      const b = res.body;
      const rawAudience = isApp ? b.audiences ?? b.audience : b.audience;
      const audience = list(rawAudience);
      const name = isApp ? b.display_name : b.name;
      // azurerm 4.66 renames parent_id to user_assigned_identity_id: both are read.
      const parent = isApp ? b.application_id : b.user_assigned_identity_id ?? b.parent_id;
      // A flexible credential matches subjects by an expression: show the expression.
      const subject = b.subject ?? (b.claims_matching_expression !== undefined ? `claims matching ${str(b.claims_matching_expression)}` : undefined);
      credentials.push({
        key: `${res.stack}/${res.type}.${res.name}`,
        name: r.literal(res.stack, name) ?? res.name,
        issuer: describeIssuer(res.stack, b.issuer),
        subject: r.literal(res.stack, subject) ?? str(subject),
        audience,
        identity: identityOf(res.stack, parent),
        resourceGroup: b.resource_group_name === undefined ? undefined : r.literal(res.stack, b.resource_group_name) ?? str(b.resource_group_name),
        replaceArgs: JSON.stringify([name, parent, b.resource_group_name]),
        updateArgs: JSON.stringify([b.issuer, subject, rawAudience]),
        stack: res.stack,
      });
    });
  }

  const vaults: NonNullable<Model["vaults"]> = [];
  const grants: Grant[] = [];
  for (const kind of ["resource", "data"] as const) {
    for (const res of resources(out, kind, (t) => t === "azurerm_key_vault")) {
      guarded(out, res.stack, `${res.type}.${res.name}`, () => {
        const ref: Ref = { stack: res.stack, kind, type: res.type, name: res.name, attr: "", suffix: "" };
        const b = res.body;
        const bool = (v: unknown) => (typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : undefined);
        const rbac = bool(b.rbac_authorization_enabled ?? b.enable_rbac_authorization);
        const address = r.key(ref);
        const label = describeEntity(ref);
        if (kind === "resource") {
          vaults.push({
            address,
            label,
            rbac: rbac ?? false,
            purgeProtection: bool(b.purge_protection_enabled) ?? false,
            softDeleteDays: typeof b.soft_delete_retention_days === "number" ? b.soft_delete_retention_days : 90,
          });
        } else {
          vaults.push({ address, label });
        }
        // Access policies written inline in the vault.
        (Array.isArray(b.access_policy) ? b.access_policy : b.access_policy ? [b.access_policy] : []).forEach((p: any, i: number) => {
          grants.push({
            key: `${address}#access_policy[${i}]`, identity: identityOf(res.stack, p?.object_id), role: accessPolicyRole(p), kind: "access-policy", scope: `vault ${label}`, scopeLevel: "vault", path: pathOf(b), vault: address,
          });
        });
      });
    }
  }

  const GRANT_TYPES = new Set(["azurerm_role_assignment", "azurerm_key_vault_access_policy", "azuread_group_member", "azuread_group"]);
  for (const res of resources(out, "resource", (t) => GRANT_TYPES.has(t))) {
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      const key = `${res.stack}/${res.type}.${res.name}`;
      const b = res.body;
      if (res.type === "azurerm_role_assignment") {
        const identity = identityOf(res.stack, b.principal_id);
        const byId = b.role_definition_name === undefined ? roleById(res.stack, b.role_definition_id) : undefined;
        const role = r.literal(res.stack, b.role_definition_name) ?? byId?.role ?? r.literal(res.stack, b.role_definition_id) ?? "?";
        const { scope, vault } = describeScope(res.stack, b.scope);
        const condition = b.condition === undefined ? undefined : r.literal(res.stack, b.condition) ?? str(b.condition);
        grants.push({
          key, identity, role, roleDefinitionId: byId?.guid, kind: "role", scope, scopeLevel: scopeLevel(scope), path: pathOf(b), ...(condition !== undefined ? { condition } : {}), ...(vault ? { vault } : {}),
        });
      }
      if (res.type === "azurerm_key_vault_access_policy") {
        const identity = identityOf(res.stack, b.object_id);
        const vaultRef = r.ref(res.stack, b.key_vault_id);
        const scope = vaultRef ? `vault ${describeEntity(vaultRef)}` : str(b.key_vault_id);
        grants.push({
          key, identity, role: accessPolicyRole(b), kind: "access-policy", scope, scopeLevel: "vault", path: pathOf(b), ...(vaultRef ? { vault: r.key(vaultRef) } : {}),
        });
      }
      // Entra group membership: the member gets whatever the group is granted.
      const groupGrant = (groupValue: unknown, member: unknown, memberKey: string) => {
        const group = identityOf(res.stack, groupValue);
        grants.push({ key: memberKey, identity: identityOf(res.stack, member), role: `member of ${group.label}`, kind: "group", scope: group.label, scopeLevel: "other", path: pathOf(b) });
      };
      if (res.type === "azuread_group_member") groupGrant(b.group_object_id, b.member_object_id, key);
      if (res.type === "azuread_group") {
        const ref: Ref = { stack: res.stack, kind: "resource", type: res.type, name: res.name, attr: "object_id", suffix: "" };
        list(b.members).forEach((m, i) => groupGrant(`\${${res.type}.${res.name}.object_id}`, m, `${r.key(ref)}#members[${i}]`));
      }
    });
  }

  // Who else can act as an application: its passwords, certificates and owners.
  const actors: Actor[] = [];
  const ACTOR_TYPES: Record<string, { kind: Actor["kind"]; of: string }> = {
    azuread_application_password: { kind: "password", of: "application_id" },
    azuread_application_certificate: { kind: "certificate", of: "application_id" },
    azuread_service_principal_password: { kind: "password", of: "service_principal_id" },
    azuread_service_principal_certificate: { kind: "certificate", of: "service_principal_id" },
    azuread_application_owner: { kind: "owner", of: "application_id" },
  };
  const ownerName = (stack: string, v: unknown) => {
    const ref = r.ref(stack, v);
    return ref ? describeEntity(ref) : r.literal(stack, v) ?? str(v);
  };
  for (const res of resources(out, "resource", (t) => ACTOR_TYPES[t] !== undefined || t === "azuread_application" || t === "azuread_service_principal")) {
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      const b = res.body;
      const key = `${res.stack}/${res.type}.${res.name}`;
      const a = ACTOR_TYPES[res.type];
      if (a) {
        const who = a.kind === "owner" ? ownerName(res.stack, b.owner_object_id) : r.literal(res.stack, b.display_name) ?? res.name;
        actors.push({ key, identity: identityOf(res.stack, b[a.of] ?? (res.type === "azuread_application_password" ? b.application_object_id : undefined)), kind: a.kind, who });
        return;
      }
      // Owners listed on the application or service principal itself.
      const self = res.type === "azuread_application" ? `\${${res.type}.${res.name}.id}` : `\${${res.type}.${res.name}.client_id}`;
      list(b.owners).forEach((o, i) => actors.push({ key: `${key}#owners[${i}]`, identity: identityOf(res.stack, self), kind: "owner", who: ownerName(res.stack, o) }));
    });
  }

  const namespaceOf = (stack: string, meta: any) => r.literal(stack, meta?.namespace ?? "default") ?? str(meta?.namespace);

  /** The identity a service account's client-id annotation names (a reference, or the literal id). */
  const clientIdentityOf = (stack: string, clientId: unknown): Identity | undefined =>
    clientId === undefined ? undefined : identityOf(stack, clientId);

  // ---- AKS identity bindings (preview): which cluster a Kubernetes object is on, the bindings ----

  /** A cluster (resource or data source): `aks:<resource group>/<name>` when both are known, else its address. */
  const clusterKey = (ref: Ref, depth = 0): { key: string; label: string } => {
    const body = r.body(ref);
    const name = r.literal(ref.stack, body?.name);
    const rg = r.literal(ref.stack, body?.resource_group_name);
    if (name !== undefined && rg !== undefined) return { key: `aks:${rg.toLowerCase()}/${name.toLowerCase()}`, label: `AKS ${name}${ref.kind === "data" ? " (read)" : ""}` };
    const target = depth < 2 ? r.ref(ref.stack, body?.name) : undefined;
    if (target && /kubernetes_cluster$/.test(target.type)) return clusterKey(target, depth + 1);
    return { key: r.key(ref), label: `AKS ${describeEntity(ref)}` };
  };
  /** The cluster a Kubernetes object's provider configuration talks to (its `host` refers to a cluster), if known. */
  const kubernetesClusterOf = (stack: string, provider: unknown): { key: string; label: string } | undefined => {
    const alias = typeof provider === "string" ? /^kubernetes\.(.+)$/.exec(provider.replace(/^\$\{|\}$/g, ""))?.[1] : undefined;
    const configs = stackOf.get(stack)?.json?.provider?.kubernetes;
    const config = (Array.isArray(configs) ? configs : configs ? [configs] : []).find((c: any) => (alias === undefined ? c?.alias === undefined : c?.alias === alias));
    const ref = config ? r.ref(stack, config.host) : undefined;
    return ref && /kubernetes_cluster$/.test(ref.type) ? clusterKey(ref) : undefined;
  };
  /** The cluster of each Kubernetes object whose provider names one, by key. */
  const objectCluster = new Map<string, { key: string; label: string }>();

  const bindings: IdentityBindingEntry[] = [];
  for (const res of resources(out, "resource", (t) => t === "azapi_resource")) {
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      const b = res.body;
      const type = r.literal(res.stack, b.type) ?? str(b.type);
      if (!/^Microsoft\.ContainerService\/managedClusters\/identityBindings@/i.test(type)) return;
      const parent = r.ref(res.stack, b.parent_id);
      const cluster = parent && /kubernetes_cluster$/.test(parent.type) ? clusterKey(parent) : { key: `literal:${str(b.parent_id).toLowerCase()}`, label: r.literal(res.stack, b.parent_id) ?? str(b.parent_id) };
      const resourceId = b.body?.properties?.managedIdentity?.resourceId;
      bindings.push({
        key: `${res.stack}/${res.type}.${res.name}`,
        name: r.literal(res.stack, b.name) ?? str(b.name),
        cluster: cluster.key,
        clusterLabel: cluster.label,
        identity: identityOf(res.stack, resourceId),
        replaceArgs: JSON.stringify([b.name, b.parent_id, resourceId, b.type]),
      });
    });
  }

  const serviceAccounts: ServiceAccount[] = [];
  for (const res of resources(out, "resource", (t) => t === "kubernetes_service_account" || t === "kubernetes_service_account_v1")) {
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      const meta = first(res.body.metadata) ?? {};
      const clientId = meta.annotations?.[CLIENT_ID_ANNOTATION];
      serviceAccounts.push({
        key: `${res.stack}/${res.type}.${res.name}`,
        namespace: namespaceOf(res.stack, meta),
        name: r.literal(res.stack, meta.name) ?? str(meta.name),
        clientIdentity: clientIdentityOf(res.stack, clientId),
      });
      const cluster = kubernetesClusterOf(res.stack, res.body.provider);
      if (cluster) objectCluster.set(`${res.stack}/${res.type}.${res.name}`, cluster);
    });
  }

  // GitOps YAML: a placeholder {{tf-output:NAME}} stands for the stack's output NAME.
  const fromOutput = (stack: string, value: unknown): unknown => {
    const m = typeof value === "string" ? /^\{\{tf-output:([A-Za-z0-9_]+)\}\}$/.exec(value) : null;
    if (!m) return value;
    return stackOf.get(stack)?.json?.output?.[m[1]]?.value ?? value;
  };
  const manifestGuard = <T>(file: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw new ReviewInputError(`${file}: unexpected shape (${(e as Error).message})`);
    }
  };
  for (const s of out.stacks) {
    for (const { file, object } of s.manifests ?? []) {
      if (object.kind !== "ServiceAccount") continue;
      manifestGuard(file, () => {
        const clientId = fromOutput(s.name, object.metadata?.annotations?.[CLIENT_ID_ANNOTATION]);
        serviceAccounts.push({
          key: manifestKey(s.name, object),
          namespace: str(object.metadata?.namespace ?? "default"),
          name: str(object.metadata?.name),
          clientIdentity: clientIdentityOf(s.name, clientId),
        });
      });
    }
  }

  const workloads: Workload[] = [];
  for (const s of out.stacks) {
    for (const { file, object } of s.manifests ?? []) {
      manifestGuard(file, () => {
        const template =
          object.kind === "Pod" ? object : object.kind === "CronJob" ? object.spec?.jobTemplate?.spec?.template : object.spec?.template;
        if (!template || !["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"].includes(object.kind)) return;
        workloads.push({
          key: manifestKey(s.name, object),
          kind: `${String(object.kind).toLowerCase()} (manifest)`,
          namespace: str(object.metadata?.namespace ?? "default"),
          name: str(object.metadata?.name),
          serviceAccount: str(template.spec?.serviceAccountName ?? "default"),
          labelled: template.metadata?.labels?.[USE_LABEL] === "true",
          bindingMode: isBindingMode(template.metadata?.annotations?.[USE_IDENTITY_BINDING_ANNOTATION]),
        });
      });
    }
  }
  for (const res of resources(out, "resource", (t) => POD_TYPES.has(t) || TEMPLATE_TYPES.has(t) || CRON_TYPES.has(t))) {
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      let meta: any;
      let spec: any;
      const outer = first(res.body.metadata) ?? {};
      if (POD_TYPES.has(res.type)) {
        meta = outer;
        spec = first(res.body.spec);
      } else {
        const template = TEMPLATE_TYPES.has(res.type)
          ? first(first(res.body.spec)?.template)
          : first(first(first(first(res.body.spec)?.job_template)?.spec)?.template);
        meta = { ...first(template?.metadata), namespace: outer.namespace, name: outer.name };
        spec = first(template?.spec);
      }
      const sa = spec?.service_account_name ?? spec?.service_account ?? "default";
      workloads.push({
        key: `${res.stack}/${res.type}.${res.name}`,
        kind: res.type.replace(/^kubernetes_/, "").replace(/_v1$/, ""),
        namespace: namespaceOf(res.stack, meta),
        name: r.literal(res.stack, meta?.name) ?? res.name,
        serviceAccount: r.literal(res.stack, sa) ?? str(sa),
        labelled: meta?.labels?.[USE_LABEL] === "true",
        bindingMode: isBindingMode(r.literal(res.stack, meta?.annotations?.[USE_IDENTITY_BINDING_ANNOTATION])),
      });
      const cluster = kubernetesClusterOf(res.stack, res.body.provider);
      if (cluster) objectCluster.set(`${res.stack}/${res.type}.${res.name}`, cluster);
    });
  }

  // ClusterRoles that allow use-managed-identity on cid.wi.aks.azure.com, and the role bindings
  // that name subjects for them: each subject becomes a binding "credential" of the identity.
  type Role = { key: string; name: string; cluster?: { key: string; label: string }; identities: Identity[]; wildcard: boolean };
  const roles: Role[] = [];
  const roleRule = (stack: string, rules: unknown): { identities: Identity[]; wildcard: boolean } => {
    const identities: Identity[] = [];
    let wildcard = false;
    for (const rule of Array.isArray(rules) ? rules : rules ? [rules] : []) {
      const groups = list(rule?.api_groups ?? rule?.apiGroups);
      const verbs = list(rule?.verbs);
      if (!groups.some((g) => g === IDENTITY_BINDING_API_GROUP || g === "*") || !verbs.some((v) => v === IDENTITY_BINDING_VERB || v === "*")) continue;
      const resources = rule?.resources === undefined ? ["*"] : Array.isArray(rule.resources) ? rule.resources : [rule.resources];
      for (const value of resources) {
        if (value === "*") wildcard = true;
        else identities.push(identityOf(stack, fromOutput(stack, value)));
      }
    }
    return { identities, wildcard };
  };
  for (const res of resources(out, "resource", (t) => t === "kubernetes_cluster_role" || t === "kubernetes_cluster_role_v1")) {
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      const meta = first(res.body.metadata) ?? {};
      const rule = roleRule(res.stack, res.body.rule);
      if (rule.identities.length || rule.wildcard) {
        roles.push({ key: `${res.stack}/${res.type}.${res.name}`, name: r.literal(res.stack, meta.name) ?? str(meta.name), cluster: kubernetesClusterOf(res.stack, res.body.provider), ...rule });
      }
    });
  }
  for (const s of out.stacks) {
    for (const { file, object } of s.manifests ?? []) {
      if (object.kind !== "ClusterRole") continue;
      manifestGuard(file, () => {
        const rule = roleRule(s.name, object.rules);
        if (rule.identities.length || rule.wildcard) roles.push({ key: manifestKey(s.name, object), name: str(object.metadata?.name), ...rule });
      });
    }
  }
  const bindingsByIdentity = new Map<string, IdentityBindingEntry[]>();
  for (const b of bindings) pushTo(bindingsByIdentity, b.identity.key, b);
  const bindingCredentials: Credential[] = [];
  const bindingProblems = new Map<string, string[]>();
  const addBindingSubjects = (stack: string, key: string, roleRef: any, subjects: unknown, namespace: unknown, cluster: { key: string; label: string } | undefined, roleOf: () => Role | undefined) => {
    if (str(roleRef?.kind) !== "ClusterRole") return;
    const role = roleOf();
    if (!role) return;
    const where = cluster ?? role.cluster;
    for (const subject of Array.isArray(subjects) ? subjects : subjects ? [subjects] : []) {
      const kind = str(subject?.kind);
      const name = r.literal(stack, subject?.name) ?? str(subject?.name);
      let who: string;
      if (kind === "ServiceAccount") who = `system:serviceaccount:${r.literal(stack, subject?.namespace ?? namespace ?? "default") ?? str(subject?.namespace)}:${name}`;
      else if (kind === "Group" && name.startsWith("system:serviceaccounts")) who = name;
      else continue;
      // The identities the role names; a wildcard names every identity bound to the cluster.
      const bound = where ? bindings.filter((b) => b.cluster === where.key) : bindings;
      const targets = role.wildcard ? [...new Map(bound.map((b) => [b.identity.key, b.identity])).values()] : role.identities;
      for (const identity of targets) {
        const candidates = (bindingsByIdentity.get(identity.key) ?? []).filter((b) => !where || b.cluster === where.key);
        const problems: string[] = [];
        if (role.wildcard) problems.push(`ClusterRole ${role.name} allows every identity bound to the cluster (resources "*")`);
        if (!SA_SUBJECT.test(who)) problems.push(`${who} is every service account${who === "system:serviceaccounts" ? " of the cluster" : ` of namespace ${who.split(":")[2]}`}`);
        if (!where && candidates.length > 1) problems.push("the cluster of this role binding is not known (no provider host or a manifest): shown for each binding of the identity");
        for (const b of candidates.length ? candidates : [undefined]) {
          const credentialKey = `${key}#${who}@${b?.key ?? identity.key}`;
          bindingCredentials.push({
            key: credentialKey,
            name: b ? `identity binding ${b.name}` : "no identity binding",
            issuer: b ? `identity binding ${b.name} on ${b.clusterLabel}` : `no identity binding of ${identity.label}${where ? ` on ${where.label}` : ""}`,
            subject: who,
            audience: [IDENTITY_BINDING_AUDIENCE],
            identity,
            replaceArgs: JSON.stringify([b?.key, role.key, key]),
            updateArgs: JSON.stringify([who]),
            stack,
            binding: { key: b?.key, cluster: b?.clusterLabel ?? where?.label ?? "(unknown cluster)", roleBinding: key, clusterRole: role.key },
          });
          bindingProblems.set(credentialKey, b ? problems : [...problems, `no identity binding of ${identity.label}${where ? ` on ${where.label}` : ""} in these stacks: the token proxy refuses the token`]);
        }
      }
    }
  };
  const roleByKey = new Map(roles.map((x) => [x.key, x]));
  for (const res of resources(out, "resource", (t) => /^kubernetes_(cluster_)?role_binding(_v1)?$/.test(t))) {
    guarded(out, res.stack, `${res.type}.${res.name}`, () => {
      const b = res.body;
      const roleRef = first(b.role_ref);
      const cluster = kubernetesClusterOf(res.stack, b.provider);
      addBindingSubjects(res.stack, `${res.stack}/${res.type}.${res.name}`, roleRef, b.subject, first(b.metadata)?.namespace, cluster, () => {
        const ref = r.ref(res.stack, roleRef?.name);
        if (ref) return roleByKey.get(r.key(ref));
        const name = r.literal(res.stack, roleRef?.name);
        return roles.find((x) => x.name === name && (!cluster || !x.cluster || x.cluster.key === cluster.key));
      });
    });
  }
  for (const s of out.stacks) {
    for (const { file, object } of s.manifests ?? []) {
      if (object.kind !== "ClusterRoleBinding" && object.kind !== "RoleBinding") continue;
      manifestGuard(file, () => {
        addBindingSubjects(s.name, manifestKey(s.name, object), object.roleRef, object.subjects, object.metadata?.namespace, undefined, () =>
          roles.find((x) => x.key.includes("/manifest:") && x.key.startsWith(`${s.name}/`) && x.name === str(object.roleRef?.name)),
        );
      });
    }
  }
  credentials.push(...bindingCredentials);

  // Labels name principals; where two principals would read the same, add where each lives.
  const byLabel = new Map<string, Array<{ key: string; label: string; address?: string; where?: string }>>();
  for (const id of identityByKey.values()) pushTo(byLabel, id.label, id);
  for (const ids of byLabel.values()) {
    if (ids.length < 2) continue;
    for (const id of ids) id.label = `${id.label} (${id.where ? `resource group ${id.where}` : id.address ?? id.key})`;
  }

  const sharedAccess = sharedAccessOf(out, credentials, grants, workloads);
  const vaultByAddress = new Map(vaults.map((v) => [v.address, v]));

  // Lookups by namespace/name and by identity, so that large stacks stay linear.
  // Kubernetes names are matched within one environment (its cluster): `<env>|namespace/name`.
  const envOfKey = (key: string) => stackOf.get(key.slice(0, key.indexOf("/")))?.group?.environment ?? "";
  const saByName = new Map<string, ServiceAccount>();
  for (const sa of serviceAccounts) {
    const k = `${envOfKey(sa.key)}|${sa.namespace}/${sa.name}`;
    if (!saByName.has(k)) saByName.set(k, sa);
  }
  const podsBySa = new Map<string, Workload[]>();
  for (const w of workloads) {
    const k = `${envOfKey(w.key)}|${w.namespace}/${w.serviceAccount}`;
    pushTo(podsBySa, k, w);
  }
  const grantsByIdentity = new Map<string, Grant[]>();
  for (const g of grants) pushTo(grantsByIdentity, g.identity.key, g);
  const sharedByGrant = new Map<Grant, SharedAccess[]>();
  for (const sh of sharedAccess) pushTo(sharedByGrant, sh.grant, sh);

  const actorsByIdentity = new Map<string, Actor[]>();
  for (const a of actors) pushTo(actorsByIdentity, a.identity.key, a);
  const chains: Chain[] = [];
  for (const credential of credentials) {
    const m = SA_SUBJECT.exec(credential.subject);
    const problems: string[] = [...(bindingProblems.get(credential.key) ?? [])];
    // The audience rule is direct federation's: a binding's tokens carry api://AKSIdentityBinding.
    if (!credential.binding && (credential.audience.length !== 1 || credential.audience[0] !== TOKEN_EXCHANGE_AUDIENCE)) {
      problems.push(`audience ${JSON.stringify(credential.audience)} is not ["${TOKEN_EXCHANGE_AUDIENCE}"]`);
    }
    // Objects on another cluster than the binding's are not its pods and service accounts.
    const bindingCluster = credential.binding?.key ? bindings.find((b) => b.key === credential.binding!.key)?.cluster : undefined;
    const onCluster = (key: string) => !bindingCluster || !objectCluster.has(key) || objectCluster.get(key)!.key === bindingCluster;
    const env = credential.stack ? stackOf.get(credential.stack)?.group?.environment ?? "" : "";
    const sa = m ? (bindingCluster ? serviceAccounts.find((x) => envOfKey(x.key) === env && x.namespace === m[1] && x.name === m[2] && onCluster(x.key)) : saByName.get(`${env}|${m[1]}/${m[2]}`)) : undefined;
    if (m && !sa) problems.push("no service account with this subject in these stacks");
    // References can be compared; a literal client id next to a referenced identity cannot be
    // verified (its client id is known only after apply); two literals are left alone.
    if (sa?.clientIdentity) {
      const saLiteral = sa.clientIdentity.key.startsWith("literal:");
      const idLiteral = credential.identity.key.startsWith("literal:");
      if (!saLiteral && !idLiteral && sa.clientIdentity.key !== credential.identity.key) {
        problems.push(`service account annotation names ${sa.clientIdentity.label}, not ${credential.identity.label}`);
      } else if (saLiteral && !idLiteral) {
        problems.push(`service account annotation is the literal client id ${sa.clientIdentity.label}; it cannot be checked against ${credential.identity.label}`);
      }
    }
    for (const a of actorsByIdentity.get(credential.identity.key) ?? []) {
      // The application and its service principal usually share owners: one note per owner.
      const note = a.kind === "owner" ? `owner ${a.who} can add credentials to ${credential.identity.label} and act as it` : `whoever holds ${a.kind} ${a.who} acts as ${credential.identity.label}`;
      if (!problems.includes(note)) problems.push(note);
    }
    const pods = (m ? podsBySa.get(`${env}|${m[1]}/${m[2]}`) ?? [] : []).filter((p) => onCluster(p.key));
    for (const p of pods) if (!p.labelled) problems.push(`${p.kind} ${p.namespace}/${p.name} lacks ${USE_LABEL}: "true"`);
    // A pod is in one mode: its token's audience is either the binding's or direct federation's.
    for (const p of pods) {
      if (credential.binding && !p.bindingMode) problems.push(`${p.kind} ${p.namespace}/${p.name} lacks ${USE_IDENTITY_BINDING_ANNOTATION}: "true": its token is for direct federation, not this binding`);
      if (!credential.binding && p.bindingMode) problems.push(`${p.kind} ${p.namespace}/${p.name} is in identity-binding mode: its token (audience ${IDENTITY_BINDING_AUDIENCE}) is not accepted by this credential`);
    }
    const identityGrants = grantsByIdentity.get(credential.identity.key) ?? [];
    const podList: (Workload | undefined)[] = pods.length ? pods : [undefined];
    const grantList: (Grant | undefined)[] = identityGrants.length ? identityGrants : [undefined];
    const workload = workloadOf(credential);
    const stackGroup = credential.stack ? stackOf.get(credential.stack)?.group : undefined;
    const group = { stack: credential.stack ?? "", ...(stackGroup?.environment !== undefined ? { environment: stackGroup.environment } : {}), ...(stackGroup?.team !== undefined ? { team: stackGroup.team } : {}), ...(m ? { namespace: m[1] } : {}) };
    for (const pod of podList) {
      for (const grant of grantList) {
        const shared = grant ? sharedByGrant.get(grant)?.find((x) => x.workload === workload) : undefined;
        const vault = grant?.vault ? vaultByAddress.get(grant.vault) : undefined;
        const grantProblems: string[] = [];
        if (vault?.rbac === false && grant?.kind === "role" && grant.scopeLevel !== "resource-group" && grant.scopeLevel !== "subscription") {
          grantProblems.push(`vault ${vault.label} uses access policies: this role grants no secret access`);
        }
        if (vault?.rbac === true && grant?.kind === "access-policy") grantProblems.push(`vault ${vault.label} uses Azure RBAC: this access policy is ignored`);
        chains.push({ pod, serviceAccount: sa, credential, grant, problems: grantProblems.length ? [...problems, ...grantProblems] : problems, ...(shared ? { sharedAccess: shared } : {}), group });
      }
    }
  }

  return {
    credentials, grants, serviceAccounts, workloads, chains, sharedAccess, actors, annotations: out.annotations,
    guardrails: out.stacks.map((s) => ({ stack: s.name, ran: s.guardrails !== undefined, suppressed: s.guardrails?.suppressed ?? [] })),
    identities, vaults, bindings, raw: rawResources(out), warnings: out.warnings ?? [],
  };
}

/**
 * For each identity that two or more workloads federate with, the grants each of them reaches
 * although they were made for another (or for none of them).
 */
function sharedAccessOf(out: SynthOutput, credentials: Credential[], grants: Grant[], workloads: Workload[]): SharedAccess[] {
  // Which workloads wait for a grant: only direct depends_on counts, because credentials on one
  // identity wait for each other, which would tie every grant to every sharer.
  const credentialByKey = new Map(credentials.map((c) => [c.key, c]));
  const grantKeys = new Set(grants.map((g) => g.key));
  const madeFor = new Map<string, Set<string>>(); // grant key → workloads that wait for it
  const workloadByKey = new Map(workloads.map((w) => [w.key, w]));
  const paths = new Map<string, string>();
  for (const res of resources(out)) {
    const p = pathOf(res.body);
    if (p) paths.set(`${res.stack}/${res.type}.${res.name}`, p);
    const deps: string[] = Array.isArray(res.body?.depends_on)
      ? res.body.depends_on.filter((d: unknown) => typeof d === "string").map((d: string) => `${res.stack}/${d}`)
      : [];
    const waitedFor = deps.filter((d) => grantKeys.has(d));
    if (waitedFor.length === 0) continue;
    const waiters = deps.flatMap((d) => (credentialByKey.has(d) ? [workloadOf(credentialByKey.get(d)!)] : []));
    const pod = workloadByKey.get(`${res.stack}/${res.type}.${res.name}`);
    if (pod) waiters.push(`${pod.namespace}/${pod.serviceAccount}`);
    for (const g of waitedFor) for (const w of waiters) madeFor.set(g, (madeFor.get(g) ?? new Set()).add(w));
  }

  const byIdentity = new Map<string, Credential[]>();
  for (const c of credentials) pushTo(byIdentity, c.identity.key, c);
  const shared: SharedAccess[] = [];
  for (const [key, creds] of byIdentity) {
    const sharers = [...new Set(creds.map(workloadOf))];
    if (sharers.length < 2) continue;
    // The identity's own workload: its credential was made in the construct that made the identity.
    const identityPath = paths.get(creds[0].identity.address ?? key);
    const owners = identityPath
      ? [...new Set(creds.filter((c) => paths.has(c.key) && identityPath.startsWith(paths.get(c.key)!.replace(/[^/]*$/, ""))).map(workloadOf))]
      : [];
    for (const grant of grants.filter((g) => g.identity.key === key)) {
      const waiting = sharers.filter((w) => madeFor.get(grant.key)?.has(w));
      const others = [...(madeFor.get(grant.key) ?? [])].filter((w) => !sharers.includes(w));
      let grantedFor: string[];
      let evidence: SharedAccess["evidence"];
      if (waiting.length > 0 && waiting.length < sharers.length) [grantedFor, evidence] = [[...waiting, ...others], "depends_on"];
      else if (owners.length === 1) [grantedFor, evidence] = [owners, "identity owner"];
      // Nothing tells which sharer the grant was made for (a standalone identity passed to several
      // workloads, all waiting for every grant on it): every sharer gains it through the identity,
      // and each is flagged, as for an identity that belongs to one of them.
      else [grantedFor, evidence] = [others, "none"];
      grantedFor.sort();
      for (const workload of sharers) {
        if (grantedFor.includes(workload)) continue;
        shared.push({ workload, identity: creds[0].identity, grant, grantedFor, evidence, sharedWith: sharers.filter((w) => w !== workload) });
      }
    }
  }
  return shared;
}
