/**
 * Reads a cdktf synth output directory (manifest.json + one cdk.tf.json per stack) and extracts
 * the workload identity trust chains: pod → service account → federated credential → managed
 * identity → role or access policy → scope. Works on any Terraform JSON with these resource
 * types, not only on stacks built with this library, and follows cdktf's cross-stack references
 * (outputs read through `terraform_remote_state`).
 */
import * as fs from "fs";
import * as path from "path";
import { CLIENT_ID_ANNOTATION, TOKEN_EXCHANGE_AUDIENCE, USE_LABEL } from "../../core/constants";

export class ReviewInputError extends Error {}

/** One synthesized stack. */
export interface StackDoc {
  readonly name: string;
  readonly json: any;
  /** Kubernetes objects of GitOps workloads (YAML written next to the stack), with their file. */
  readonly manifests?: Array<{ readonly file: string; readonly object: any }>;
}

function yamlObjects(dir: string): Array<{ file: string; object: any }> {
  if (!fs.existsSync(dir)) return [];
  const found: Array<{ file: string; object: any }> = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...yamlObjects(p));
    else if (e.name.endsWith(".yaml") || e.name.endsWith(".yml")) {
      const YAML = require("yaml") as typeof import("yaml");
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(p, "utf8"))) {
        const object = doc.toJS();
        if (object && typeof object === "object" && object.kind) found.push({ file: p, object });
      }
    }
  }
  return found;
}

/** A guardrail finding recorded in manifest.json. */
export interface Annotation {
  readonly stack: string;
  readonly level: string;
  readonly path: string;
  readonly message: string;
}

export interface SynthOutput {
  readonly dir: string;
  readonly stacks: StackDoc[];
  readonly annotations: Annotation[];
}

/** Loads `dir`; throws ReviewInputError with a clear message when it is not a synth output. */
export function loadSynthOutput(dir: string): SynthOutput {
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    throw new ReviewInputError(`${dir}: no manifest.json here – pass a cdktf synth output directory (e.g. cdktf.out)`);
  }
  let manifest: any;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new ReviewInputError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!manifest || typeof manifest.stacks !== "object") {
    throw new ReviewInputError(`${manifestPath}: has no "stacks" – is it a cdktf manifest?`);
  }
  const stacks: StackDoc[] = [];
  const annotations: Annotation[] = [];
  for (const [name, entry] of Object.entries<any>(manifest.stacks)) {
    const file = path.join(dir, entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json"));
    if (!fs.existsSync(file)) throw new ReviewInputError(`${file}: listed in manifest.json but missing`);
    try {
      stacks.push({ name, json: JSON.parse(fs.readFileSync(file, "utf8")), manifests: yamlObjects(path.dirname(file)) });
    } catch (e) {
      throw new ReviewInputError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    for (const a of entry.annotations ?? []) {
      annotations.push({ stack: name, level: String(a.level ?? ""), path: String(a.constructPath ?? ""), message: String(a.message ?? "") });
    }
  }
  return { dir, stacks, annotations };
}

// ---- references ---------------------------------------------------------------------------

/** A reference `${[data.]type.name.attr…}` resolved to the stack that holds its target. */
export interface Ref {
  readonly stack: string;
  readonly kind: "resource" | "data";
  readonly type: string;
  readonly name: string;
  /** Attribute path after the name, e.g. "principal_id" or "kube_config[0].host". */
  readonly attr: string;
  /** Text after the interpolation, e.g. "/secrets/old". */
  readonly suffix: string;
}

const REF = /^\$\{(data\.)?([a-z0-9_]+)\.([^.[\]}]+)((?:\.[A-Za-z0-9_-]+|\[\d+\])*)\}(.*)$/s;

export class Resolver {
  private readonly byName = new Map<string, StackDoc>();

  constructor(private readonly out: SynthOutput) {
    for (const s of out.stacks) this.byName.set(s.name, s);
  }

  public body(ref: Pick<Ref, "stack" | "kind" | "type" | "name">): any {
    return this.byName.get(ref.stack)?.json?.[ref.kind]?.[ref.type]?.[ref.name];
  }

  /**
   * Parses `value` in `stack`, following remote-state outputs to the producing stack. Returns
   * undefined for literals and for expressions it does not understand.
   */
  public ref(stack: string, value: unknown, depth = 0): Ref | undefined {
    if (typeof value !== "string" || depth > 8) return undefined;
    const m = REF.exec(value);
    if (!m) return undefined;
    const [, data, type, name, rest, suffix] = m;
    const attr = rest.replace(/^\./, "");
    if (data && type === "terraform_remote_state") {
      const output = /^outputs\.(.+)$/.exec(attr)?.[1];
      const producer = output ? this.producer(stack, name, output) : undefined;
      if (!producer || !output) return undefined;
      const produced = this.byName.get(producer)?.json?.output?.[output]?.value;
      const inner = this.ref(producer, produced, depth + 1);
      return inner ? { ...inner, suffix: inner.suffix + suffix } : undefined;
    }
    return { stack, kind: data ? "data" : "resource", type, name, attr, suffix };
  }

  /** The literal value of `value`, following references to literal attributes (e.g. a resource's `name`). */
  public literal(stack: string, value: unknown, depth = 0): string | undefined {
    if (typeof value !== "string" || depth > 8) return undefined;
    const r = this.ref(stack, value, depth);
    if (!r) return value.includes("${") ? undefined : value;
    const body = this.body(r);
    if (!body) return undefined;
    const v = getPath(body, r.attr);
    const lit = this.literal(r.stack, v, depth + 1);
    return lit === undefined ? undefined : lit + r.suffix;
  }

  /** A stable, readable key for a resource: `stack/type.name`. */
  public key(r: Pick<Ref, "stack" | "kind" | "type" | "name">): string {
    return `${r.stack}/${r.kind === "data" ? "data." : ""}${r.type}.${r.name}`;
  }

  private producer(consumer: string, remoteName: string, output: string): string | undefined {
    const remote = this.byName.get(consumer)?.json?.data?.terraform_remote_state?.[remoteName];
    const statePath = String(remote?.config?.path ?? remote?.config?.key ?? "");
    const byPath = this.out.stacks.find((s) => statePath.endsWith(`terraform.${s.name}.tfstate`));
    if (byPath) return byPath.name;
    const withOutput = this.out.stacks.filter((s) => s.json?.output?.[output] !== undefined);
    return withOutput.length === 1 ? withOutput[0].name : undefined;
  }
}

function getPath(body: any, attr: string): any {
  let cur = body;
  for (const part of attr.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "")) {
    if (cur === undefined || cur === null) return undefined;
    const index = /^\d+$/.test(part);
    // cdktf writes single nested blocks as objects, so `metadata[0]` may address an object.
    if (index) cur = Array.isArray(cur) ? cur[Number(part)] : cur;
    else cur = Array.isArray(cur) ? cur[0]?.[part] : cur[part];
  }
  return cur;
}

const first = (v: any) => (Array.isArray(v) ? v[0] : v);

const SA_SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** The workload a credential trusts: `namespace/service-account` for Kubernetes, else the subject. */
export function workloadOf(credential: Credential): string {
  const m = SA_SUBJECT.exec(credential.subject);
  return m ? `${m[1]}/${m[2]}` : credential.subject;
}

// ---- the model ----------------------------------------------------------------------------

export interface Identity {
  readonly key: string;
  readonly label: string;
}

export interface Credential {
  readonly key: string;
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string[];
  readonly identity: Identity;
  /** The resource group, for azurerm credentials. */
  readonly resourceGroup?: string;
  /**
   * The raw arguments that force replacement: name (display_name), parent identity or
   * application, resource group. azurerm 4.x and azuread update the others in place.
   */
  readonly replaceArgs: string;
  /** The raw arguments updated in place (same id): issuer, subject, audience. */
  readonly updateArgs: string;
}

export interface Grant {
  readonly key: string;
  readonly identity: Identity;
  /**
   * Role name, or "access policy: secrets Get, …". A role given by `role_definition_id` shows
   * its built-in name, or "role <guid> (unknown built-in role; check it)".
   */
  readonly role: string;
  /** The role definition GUID, when the role is given by `role_definition_id`. */
  readonly roleDefinitionId?: string;
  readonly kind: "role" | "access-policy";
  readonly scope: string;
  readonly scopeLevel: ScopeLevel;
  /** The construct path cdktf recorded for the resource, e.g. "workload/secret-access/secrets-user-x". */
  readonly path?: string;
}

/**
 * Access a workload gains only because it shares its identity: every grant of an identity is
 * reachable by every workload federated with it, whichever workload it was made for.
 */
export interface SharedAccess {
  /** The workload that gains the access: `namespace/service-account`, or the credential's subject. */
  readonly workload: string;
  readonly identity: Identity;
  readonly grant: Grant;
  /** The workloads the grant was made for, by {@link SharedAccess.evidence}; may be empty. */
  readonly grantedFor: string[];
  /**
   * How `grantedFor` is known. `depends_on`: only they wait for the grant – a resource depends on
   * it and on their federated credential (a propagation wait), or their pod depends on it.
   * `identity owner`: every sharer or none waits, and the identity was made in the same construct
   * as exactly one sharer's credential (cdktf construct paths), so it is that workload's identity.
   * `none`: neither tells; `grantedFor` lists the sharers that wait, if any.
   */
  readonly evidence: "depends_on" | "identity owner" | "none";
  /** The other workloads federated with the identity. */
  readonly sharedWith: string[];
}

export type ScopeLevel = "secret" | "vault" | "resource-group" | "subscription" | "other";

export interface ServiceAccount {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly clientIdentity?: Identity;
}

export interface Workload {
  readonly key: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly labelled: boolean;
}

/** One row: who (pod) can read what (scope), and through which links. */
export interface Chain {
  readonly pod?: Workload;
  readonly serviceAccount?: ServiceAccount;
  readonly credential: Credential;
  readonly grant?: Grant;
  /** Problems with the chain's links (e.g. the annotation names another identity). */
  readonly problems: string[];
  /** Set when the grant was made for another workload and is reached through a shared identity. */
  readonly sharedAccess?: SharedAccess;
}

export interface Model {
  readonly credentials: Credential[];
  readonly grants: Grant[];
  readonly serviceAccounts: ServiceAccount[];
  readonly workloads: Workload[];
  readonly chains: Chain[];
  /** Access gained through identities that two or more workloads federate with. */
  readonly sharedAccess: SharedAccess[];
  readonly annotations: Annotation[];
}

const POD_TYPES = new Set(["kubernetes_pod", "kubernetes_pod_v1"]);
const TEMPLATE_TYPES = new Set([
  "kubernetes_deployment", "kubernetes_deployment_v1", "kubernetes_stateful_set", "kubernetes_stateful_set_v1",
  "kubernetes_daemonset", "kubernetes_daemon_set_v1", "kubernetes_job", "kubernetes_job_v1",
]);
const CRON_TYPES = new Set(["kubernetes_cron_job", "kubernetes_cron_job_v1"]);

function* resources(out: SynthOutput, kind: "resource" | "data" = "resource"): Generator<{ stack: string; type: string; name: string; body: any }> {
  for (const s of out.stacks) {
    for (const [type, byName] of Object.entries<any>(s.json?.[kind] ?? {})) {
      for (const [name, body] of Object.entries<any>(byName ?? {})) yield { stack: s.name, type, name, body };
    }
  }
}

/**
 * Built-in role definition GUIDs, the same in every tenant and cloud (Microsoft's "Azure built-in
 * roles" reference), to name a role given by `role_definition_id`.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
  "8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "21090545-7ca7-4776-b22c-e363652d74d2": "Key Vault Reader",
};

/** `[/subscriptions/…]/providers/Microsoft.Authorization/roleDefinitions/<guid>`, or a bare GUID. */
const ROLE_DEFINITION_ID = /(?:^|\/providers\/Microsoft\.Authorization\/roleDefinitions\/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The role a role definition id names: its built-in name, or the GUID marked unknown. */
export function roleFromDefinitionId(id: string): { role: string; guid: string } | undefined {
  const guid = ROLE_DEFINITION_ID.exec(id)?.[1]?.toLowerCase();
  if (!guid) return undefined;
  return { role: BUILT_IN_ROLES[guid] ?? `role ${guid} (unknown built-in role; check it)`, guid };
}

function pathOf(body: any): string | undefined {
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

export function buildModel(out: SynthOutput): Model {
  const r = new Resolver(out);

  /** Names a resource by its `name` argument when known: "myIdentity (workload/azurerm_user_assigned_identity.x)". */
  const describeEntity = (ref: Ref): string => {
    const body = r.body(ref);
    const name = body ? r.literal(ref.stack, body.name) : undefined;
    return name ?? r.key(ref);
  };

  /**
   * The workload principal a value refers to: a user-assigned identity (its id, client id or
   * principal id), or an Entra application (its id or client id, or its service principal's
   * object id). Literal ids stay literal.
   */
  const identityOf = (stack: string, value: unknown, depth = 0): Identity => {
    const ref = r.ref(stack, value);
    if (ref && ref.type === "azurerm_user_assigned_identity") {
      return { key: r.key(ref), label: `${describeEntity(ref)}${ref.kind === "data" ? " (existing)" : ""}` };
    }
    if (ref && ref.type === "azuread_application") {
      const name = r.literal(ref.stack, r.body(ref)?.display_name);
      return { key: r.key(ref), label: `application ${name ?? r.key(ref)}` };
    }
    if (ref && ref.type === "azuread_service_principal" && depth < 2) {
      const app = identityOf(ref.stack, r.body(ref)?.client_id, depth + 1);
      if (!app.key.startsWith("literal:")) return app;
    }
    const lit = typeof value === "string" ? value : JSON.stringify(value);
    const named = /userAssignedIdentities\/([^/]+)$/i.exec(lit)?.[1];
    return { key: `literal:${lit}`, label: named ? `${named} (by id)` : lit };
  };

  const describeIssuer = (stack: string, value: unknown): string => {
    const ref = r.ref(stack, value);
    if (ref && /kubernetes_cluster$/.test(ref.type) && ref.attr === "oidc_issuer_url") {
      return `OIDC issuer of AKS ${describeEntity(ref)}${ref.kind === "data" ? " (read)" : ""}`;
    }
    return r.literal(stack, value) ?? String(value);
  };

  const describeScope = (stack: string, value: unknown): string => {
    const ref = r.ref(stack, value);
    if (ref) {
      const body = r.body(ref);
      if (ref.type === "azurerm_key_vault_secret") {
        const vaultRef = body ? r.ref(ref.stack, body.key_vault_id) : undefined;
        return `secret ${describeEntity(ref)} in vault ${vaultRef ? describeEntity(vaultRef) : "?"}`;
      }
      if (ref.type === "azurerm_key_vault") {
        const m = /^\/secrets\/(.+)$/.exec(ref.suffix);
        return m ? `secret ${m[1]} in vault ${describeEntity(ref)}` : `vault ${describeEntity(ref)}`;
      }
      if (ref.type === "azurerm_resource_group") return `resource group ${describeEntity(ref)}`;
      if (ref.type === "azurerm_subscription" || ref.type === "azurerm_client_config") {
        const id = ref.kind === "data" ? ` (${r.key(ref)})` : "";
        return `subscription${id}`;
      }
      return `${r.key(ref)}.${ref.attr}${ref.suffix}`;
    }
    return r.literal(stack, value) ?? String(value);
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

  const credentials: Credential[] = [];
  for (const res of resources(out)) {
    // Managed identities (azurerm) and app registrations (azuread) hold federated credentials.
    const isApp = res.type === "azuread_application_federated_identity_credential";
    if (res.type !== "azurerm_federated_identity_credential" && !isApp) continue;
    const b = res.body;
    const rawAudience = isApp ? b.audiences : b.audience;
    const audience = Array.isArray(rawAudience) ? rawAudience.map(String) : [String(rawAudience)];
    const name = isApp ? b.display_name : b.name;
    const parent = isApp ? b.application_id : b.parent_id;
    credentials.push({
      key: `${res.stack}/${res.type}.${res.name}`,
      name: r.literal(res.stack, name) ?? res.name,
      issuer: describeIssuer(res.stack, b.issuer),
      subject: r.literal(res.stack, b.subject) ?? String(b.subject),
      audience,
      identity: identityOf(res.stack, parent),
      resourceGroup: b.resource_group_name === undefined ? undefined : r.literal(res.stack, b.resource_group_name) ?? String(b.resource_group_name),
      replaceArgs: JSON.stringify([name, parent, b.resource_group_name]),
      updateArgs: JSON.stringify([b.issuer, b.subject, rawAudience]),
    });
  }

  const grants: Grant[] = [];
  for (const res of resources(out)) {
    if (res.type === "azurerm_role_assignment") {
      const b = res.body;
      const identity = identityOf(res.stack, b.principal_id);
      const byId = b.role_definition_name === undefined ? roleById(res.stack, b.role_definition_id) : undefined;
      const role = r.literal(res.stack, b.role_definition_name) ?? byId?.role ?? r.literal(res.stack, b.role_definition_id) ?? "?";
      const scope = describeScope(res.stack, b.scope);
      grants.push({
        key: `${res.stack}/${res.type}.${res.name}`, identity, role, roleDefinitionId: byId?.guid, kind: "role", scope, scopeLevel: scopeLevel(scope), path: pathOf(res.body),
      });
    }
    if (res.type === "azurerm_key_vault_access_policy") {
      const b = res.body;
      const identity = identityOf(res.stack, b.object_id);
      const vaultRef = r.ref(res.stack, b.key_vault_id);
      const scope = vaultRef ? `vault ${describeEntity(vaultRef)}` : String(b.key_vault_id);
      const perms = (b.secret_permissions ?? []).join(", ");
      grants.push({
        key: `${res.stack}/${res.type}.${res.name}`, identity, role: `access policy: secrets ${perms || "none"}`, kind: "access-policy", scope, scopeLevel: "vault", path: pathOf(res.body),
      });
    }
  }

  const namespaceOf = (stack: string, meta: any) => r.literal(stack, meta?.namespace ?? "default") ?? String(meta?.namespace);

  /** The identity a service account's client-id annotation names (a reference, or the literal id). */
  const clientIdentityOf = (stack: string, clientId: unknown): Identity | undefined =>
    clientId === undefined ? undefined : identityOf(stack, clientId);

  const serviceAccounts: ServiceAccount[] = [];
  for (const res of resources(out)) {
    if (res.type !== "kubernetes_service_account" && res.type !== "kubernetes_service_account_v1") continue;
    const meta = first(res.body.metadata) ?? {};
    const clientId = meta.annotations?.[CLIENT_ID_ANNOTATION];
    serviceAccounts.push({
      key: `${res.stack}/${res.type}.${res.name}`,
      namespace: namespaceOf(res.stack, meta),
      name: r.literal(res.stack, meta.name) ?? String(meta.name),
      clientIdentity: clientIdentityOf(res.stack, clientId),
    });
  }

  // GitOps YAML: a placeholder {{tf-output:NAME}} stands for the stack's output NAME.
  const fromOutput = (stack: string, value: unknown): unknown => {
    const m = typeof value === "string" ? /^\{\{tf-output:([A-Za-z0-9_]+)\}\}$/.exec(value) : null;
    if (!m) return value;
    return out.stacks.find((x) => x.name === stack)?.json?.output?.[m[1]]?.value ?? value;
  };
  for (const s of out.stacks) {
    for (const { file, object } of s.manifests ?? []) {
      if (object.kind !== "ServiceAccount") continue;
      const clientId = fromOutput(s.name, object.metadata?.annotations?.[CLIENT_ID_ANNOTATION]);
      serviceAccounts.push({
        key: `${s.name}/manifest:${path.basename(file)}`,
        namespace: object.metadata?.namespace ?? "default",
        name: object.metadata?.name,
        clientIdentity: clientIdentityOf(s.name, clientId),
      });
    }
  }

  const workloads: Workload[] = [];
  for (const s of out.stacks) {
    for (const { file, object } of s.manifests ?? []) {
      const template =
        object.kind === "Pod" ? object : object.kind === "CronJob" ? object.spec?.jobTemplate?.spec?.template : object.spec?.template;
      if (!template || !["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"].includes(object.kind)) continue;
      workloads.push({
        key: `${s.name}/manifest:${path.basename(file)}`,
        kind: `${object.kind.toLowerCase()} (manifest)`,
        namespace: object.metadata?.namespace ?? "default",
        name: object.metadata?.name,
        serviceAccount: template.spec?.serviceAccountName ?? "default",
        labelled: template.metadata?.labels?.[USE_LABEL] === "true",
      });
    }
  }
  for (const res of resources(out)) {
    let meta: any;
    let spec: any;
    const outer = first(res.body.metadata) ?? {};
    if (POD_TYPES.has(res.type)) {
      meta = outer;
      spec = first(res.body.spec);
    } else if (TEMPLATE_TYPES.has(res.type) || CRON_TYPES.has(res.type)) {
      const template = TEMPLATE_TYPES.has(res.type)
        ? first(first(res.body.spec)?.template)
        : first(first(first(first(res.body.spec)?.job_template)?.spec)?.template);
      meta = { ...first(template?.metadata), namespace: outer.namespace, name: outer.name };
      spec = first(template?.spec);
    } else {
      continue;
    }
    const sa = spec?.service_account_name ?? spec?.service_account ?? "default";
    workloads.push({
      key: `${res.stack}/${res.type}.${res.name}`,
      kind: res.type.replace(/^kubernetes_/, "").replace(/_v1$/, ""),
      namespace: namespaceOf(res.stack, meta),
      name: r.literal(res.stack, meta?.name) ?? res.name,
      serviceAccount: r.literal(res.stack, sa) ?? String(sa),
      labelled: meta?.labels?.[USE_LABEL] === "true",
    });
  }

  const sharedAccess = sharedAccessOf(out, credentials, grants, workloads);

  const chains: Chain[] = [];
  for (const credential of credentials) {
    const m = SA_SUBJECT.exec(credential.subject);
    const problems: string[] = [];
    if (credential.audience.length !== 1 || credential.audience[0] !== TOKEN_EXCHANGE_AUDIENCE) {
      problems.push(`audience ${JSON.stringify(credential.audience)} is not ["${TOKEN_EXCHANGE_AUDIENCE}"]`);
    }
    const sa = m ? serviceAccounts.find((s) => s.namespace === m[1] && s.name === m[2]) : undefined;
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
    const pods = m ? workloads.filter((w) => w.namespace === m[1] && w.serviceAccount === m[2]) : [];
    for (const p of pods) if (!p.labelled) problems.push(`${p.kind} ${p.namespace}/${p.name} lacks ${USE_LABEL}: "true"`);
    const identityGrants = grants.filter((g) => g.identity.key === credential.identity.key);
    const podList: (Workload | undefined)[] = pods.length ? pods : [undefined];
    const grantList: (Grant | undefined)[] = identityGrants.length ? identityGrants : [undefined];
    const workload = workloadOf(credential);
    for (const pod of podList) {
      for (const grant of grantList) {
        const shared = sharedAccess.find((s) => s.grant === grant && s.workload === workload);
        chains.push({ pod, serviceAccount: sa, credential, grant, problems, ...(shared ? { sharedAccess: shared } : {}) });
      }
    }
  }

  return { credentials, grants, serviceAccounts, workloads, chains, sharedAccess, annotations: out.annotations };
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
    const pod = workloads.find((w) => w.key === `${res.stack}/${res.type}.${res.name}`);
    if (pod) waiters.push(`${pod.namespace}/${pod.serviceAccount}`);
    for (const g of waitedFor) for (const w of waiters) madeFor.set(g, (madeFor.get(g) ?? new Set()).add(w));
  }

  const byIdentity = new Map<string, Credential[]>();
  for (const c of credentials) byIdentity.set(c.identity.key, [...(byIdentity.get(c.identity.key) ?? []), c]);
  const shared: SharedAccess[] = [];
  for (const [key, creds] of byIdentity) {
    const sharers = [...new Set(creds.map(workloadOf))];
    if (sharers.length < 2) continue;
    // The identity's own workload: its credential was made in the construct that made the identity.
    const identityPath = paths.get(key);
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
      else [grantedFor, evidence] = [[...waiting, ...others], "none"];
      grantedFor.sort();
      for (const workload of sharers) {
        if (grantedFor.includes(workload)) continue;
        shared.push({ workload, identity: creds[0].identity, grant, grantedFor, evidence, sharedWith: sharers.filter((w) => w !== workload) });
      }
    }
  }
  return shared;
}
