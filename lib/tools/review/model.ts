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

/** Appends `value` to the list at `key` (in place: long lists stay linear). */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The environment and team a stack belongs to, from its `//.azwi` metadata (absent for stacks without it). */
export interface StackDoc {
  readonly name: string;
  readonly json: any;
  /** The stack's cdk.tf.json, for messages. */
  readonly file?: string;
  /** Kubernetes objects of GitOps workloads (YAML written next to the stack), with their file. */
  readonly manifests?: Array<{ readonly file: string; readonly object: any }>;
  /** From the stack's top-level `"//": { "azwi": { environment, team } }`; undefined without it. */
  readonly group?: { readonly environment?: string; readonly team?: string };
}

function yamlObjects(dir: string): Array<{ file: string; object: any }> {
  if (!fs.existsSync(dir)) return [];
  const found: Array<{ file: string; object: any }> = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...yamlObjects(p));
    else if (/\.ya?ml(\.tmpl)?$/.test(e.name)) {
      const YAML = require("yaml") as typeof import("yaml");
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(p, "utf8"))) {
        const errors = (doc as any).errors as Array<{ message: string }> | undefined;
        if (errors?.length) throw new ReviewInputError(`${p}: not valid YAML (${errors[0].message.split("\n")[0]})`);
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
  /** Problems that do not stop the review: a stack with no resources, a reference that points nowhere. */
  readonly warnings?: string[];
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks the parts of a stack's JSON that the review reads; throws naming the file and the place. */
function checkStackShape(file: string, json: unknown): void {
  if (!isObject(json)) throw new ReviewInputError(`${file}: not a Terraform JSON object`);
  for (const block of ["resource", "data"]) {
    if (json[block] === undefined) continue;
    if (!isObject(json[block])) throw new ReviewInputError(`${file}: "${block}" is not an object`);
    for (const [type, byName] of Object.entries(json[block])) {
      if (!isObject(byName)) throw new ReviewInputError(`${file}: ${block}.${type} is not an object of named ${block === "data" ? "data sources" : "resources"}`);
      for (const [name, body] of Object.entries(byName)) {
        if (!isObject(body)) throw new ReviewInputError(`${file}: ${block}.${type}.${name} is not an object`);
      }
    }
  }
  for (const block of ["output", "module", "terraform", "//"]) {
    if (json[block] !== undefined && !isObject(json[block])) throw new ReviewInputError(`${file}: "${block}" is not an object`);
  }
  const azwi = json["//"]?.azwi;
  if (azwi !== undefined) {
    if (!isObject(azwi)) throw new ReviewInputError(`${file}: "//".azwi is not an object`);
    for (const k of ["environment", "team"]) {
      if (azwi[k] !== undefined && typeof azwi[k] !== "string") throw new ReviewInputError(`${file}: "//".azwi.${k} is not a string`);
    }
  }
}

/** Loads `dir`; throws ReviewInputError with a message naming the file when it is not a readable synth output. */
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
  if (!isObject(manifest) || !isObject(manifest.stacks)) {
    throw new ReviewInputError(`${manifestPath}: has no "stacks" object – is it a cdktf manifest?`);
  }
  if (Object.keys(manifest.stacks).length === 0) throw new ReviewInputError(`${manifestPath}: lists no stacks`);
  const stacks: StackDoc[] = [];
  const annotations: Annotation[] = [];
  const warnings: string[] = [];
  const root = path.resolve(dir);
  for (const [name, entry] of Object.entries<any>(manifest.stacks)) {
    if (!isObject(entry)) throw new ReviewInputError(`${manifestPath}: stacks.${name} is not an object`);
    const stackPath = entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json");
    if (typeof stackPath !== "string") throw new ReviewInputError(`${manifestPath}: stacks.${name}.synthesizedStackPath is not a string`);
    const file = path.join(dir, stackPath);
    if (!path.resolve(file).startsWith(root + path.sep)) {
      throw new ReviewInputError(`${manifestPath}: stacks.${name}.synthesizedStackPath points outside ${dir}`);
    }
    if (!fs.existsSync(file)) throw new ReviewInputError(`${file}: listed in manifest.json but missing`);
    let json: any;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new ReviewInputError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    checkStackShape(file, json);
    const azwi = json["//"]?.azwi;
    const group = azwi ? { environment: azwi.environment, team: azwi.team } : undefined;
    stacks.push({ name, json, file, manifests: yamlObjects(path.dirname(file)), ...(group ? { group } : {}) });
    if (!isObject(json.resource) || Object.keys(json.resource).length === 0) {
      if (!isObject(json.data) || Object.keys(json.data).length === 0) warnings.push(`${file}: stack ${name} has no resources`);
    }
    if (entry.annotations !== undefined && !Array.isArray(entry.annotations)) {
      throw new ReviewInputError(`${manifestPath}: stacks.${name}.annotations is not a list`);
    }
    for (const a of entry.annotations ?? []) {
      if (!isObject(a)) throw new ReviewInputError(`${manifestPath}: stacks.${name}.annotations holds a non-object`);
      annotations.push({ stack: name, level: String(a.level ?? ""), path: String(a.constructPath ?? ""), message: String(a.message ?? "") });
    }
  }
  const out = { dir, stacks, annotations, warnings };
  warnings.push(...danglingReferences(out));
  return out;
}

/** Terraform names that are not resources: variables, locals, iteration values, functions' scopes. */
const NOT_RESOURCES = new Set(["var", "local", "each", "count", "self", "path", "terraform", "module"]);

/** Every string inside `v`. */
function* strings(v: unknown): Generator<string> {
  if (typeof v === "string") yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x);
  else if (isObject(v)) for (const x of Object.values(v)) yield* strings(x);
}

/** Warnings for references to resources, data sources or remote outputs that no stack holds. */
function danglingReferences(out: SynthOutput): string[] {
  const warnings: string[] = [];
  const resolver = new Resolver(out);
  const EXPR = /\$\{([^}]*)\}/g;
  const REFERENCE = /(?<![\w.])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\.outputs\.([A-Za-z0-9_-]+))?/g;
  for (const s of out.stacks) {
    const seen = new Set<string>();
    for (const block of ["resource", "data", "output", "module"]) {
      for (const str of strings(s.json?.[block])) {
        if (!str.includes("${")) continue;
        for (const [, expr] of str.matchAll(EXPR)) {
          for (const m of expr.matchAll(REFERENCE)) {
            const [, data, type, name, output] = m;
            if (!data && NOT_RESOURCES.has(type)) continue;
            const end = (m.index ?? 0) + m[0].length;
            if (expr[end] === "(") continue;
            const address = `${data ? "data." : ""}${type}.${name}`;
            if (seen.has(address + (output ?? ""))) continue;
            seen.add(address + (output ?? ""));
            const exists = s.json?.[data ? "data" : "resource"]?.[type]?.[name] !== undefined;
            if (!exists) {
              warnings.push(`${s.file ?? s.name}: a reference to ${address} points nowhere (no such ${data ? "data source" : "resource"} in stack ${s.name})`);
            } else if (data && type === "terraform_remote_state" && output) {
              const producer = resolver.producerOf(s.name, name, output);
              if (!producer) warnings.push(`${s.file ?? s.name}: ${address} reads output ${output}, which no stack in this synth output can be shown to produce`);
              else if (out.stacks.find((x) => x.name === producer)?.json?.output?.[output] === undefined) {
                warnings.push(`${s.file ?? s.name}: ${address} reads output ${output}, which stack ${producer} does not have`);
              }
            }
          }
        }
      }
    }
  }
  return warnings;
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
    if (!data && NOT_RESOURCES.has(type)) return undefined;
    const attr = rest.replace(/^\./, "");
    if (data && type === "terraform_remote_state") {
      const output = /^outputs\.(.+)$/.exec(attr)?.[1];
      const producer = output ? this.producerOf(stack, name, output) : undefined;
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

  /**
   * The stack that a `terraform_remote_state` data source reads: cdktf names it
   * `cross-stack-reference-input-<producer stack>`, and its backend and config are the producer's
   * backend (local path, azurerm key, HCP Terraform workspace…). Either identifies the producer,
   * with any number of environments; a lone stack with the output is the last resort.
   */
  public producerOf(consumer: string, remoteName: string, output: string): string | undefined {
    const cacheKey = `${consumer}\u0000${remoteName}`;
    if (this.producers.has(cacheKey)) return this.producers.get(cacheKey);
    const found = this.findProducer(consumer, remoteName, output);
    this.producers.set(cacheKey, found);
    return found;
  }

  private readonly producers = new Map<string, string | undefined>();

  private findProducer(consumer: string, remoteName: string, output: string): string | undefined {
    const remote = this.byName.get(consumer)?.json?.data?.terraform_remote_state?.[remoteName];
    const named = /^cross-stack-reference-input-(.+)$/.exec(remoteName)?.[1];
    if (named && this.byName.has(named) && named !== consumer) return named;
    if (remote?.config !== undefined) {
      const wanted = stableJson({ backend: remote.backend === "remote" ? "cloud" : remote.backend, config: withoutWorkspace(remote.config) });
      const byBackend = this.out.stacks.filter((s) => s.name !== consumer && backendsOf(s.json).includes(wanted));
      if (byBackend.length === 1) return byBackend[0].name;
    }
    const statePath = String(remote?.config?.path ?? remote?.config?.key ?? "");
    const byPath = this.out.stacks.filter((s) => statePath.endsWith(`terraform.${s.name}.tfstate`));
    if (byPath.length === 1) return byPath[0].name;
    const withOutput = this.out.stacks.filter((s) => s.json?.output?.[output] !== undefined);
    return withOutput.length === 1 ? withOutput[0].name : undefined;
  }
}

function withoutWorkspace(config: any): any {
  if (!isObject(config)) return config;
  const { workspace: _workspace, ...rest } = config;
  return rest;
}

/** The stack's backend as `{backend, config}` JSON: a `backend` block, or HCP Terraform's `cloud` block. */
function backendsOf(json: any): string[] {
  const found: string[] = [];
  for (const [type, config] of Object.entries<any>(json?.terraform?.backend ?? {})) found.push(stableJson({ backend: type, config: withoutWorkspace(config) }));
  const cloud = json?.terraform?.cloud;
  if (isObject(cloud)) {
    found.push(stableJson({ backend: "cloud", config: { organization: cloud.organization, workspaces: cloud.workspaces, ...(cloud.hostname ? { hostname: cloud.hostname } : {}), ...(cloud.token ? { token: cloud.token } : {}) } }));
  }
  return found;
}

/** JSON with object keys sorted, to compare configurations. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
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

/**
 * A workload principal. `key` names the Azure principal, not the Terraform resource: a
 * user-assigned identity is its resource group and name (an existing one read by a data source
 * is the same principal), so two resources with the same name in two resource groups differ, and
 * one identity read in two stacks is one.
 */
export interface Identity {
  readonly key: string;
  readonly label: string;
  /** The Terraform address (`stack/type.name`) that made or read it, when it is a resource or data source. */
  readonly address?: string;
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
  /** The stack that holds the credential. */
  readonly stack?: string;
}

export interface Grant {
  readonly key: string;
  readonly identity: Identity;
  /**
   * Role name, "access policy: secrets Get, …", or "member of Entra group …". A role given by
   * `role_definition_id` shows its built-in name, or "role <guid> (unknown built-in role; check it)".
   */
  readonly role: string;
  /** The role definition GUID, when the role is given by `role_definition_id`. */
  readonly roleDefinitionId?: string;
  readonly kind: "role" | "access-policy" | "group";
  readonly scope: string;
  readonly scopeLevel: ScopeLevel;
  /** The construct path cdktf recorded for the resource, e.g. "workload/secret-access/secrets-user-x". */
  readonly path?: string;
  /** An ABAC condition that narrows a role assignment. */
  readonly condition?: string;
  /** The vault (`stack/type.name`) the grant is on or in, when known. */
  readonly vault?: string;
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
  /**
   * Where the chain belongs: the environment and team of the credential's stack (its `//.azwi`
   * metadata), else just the stack; and the workload's namespace.
   */
  readonly group?: { readonly stack: string; readonly environment?: string; readonly team?: string; readonly namespace?: string };
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
  /** Managed identities made or read, with the arguments that replace them (a new principal). */
  readonly identities?: Array<{ readonly address: string; readonly identity: Identity; readonly replaceArgs: string; readonly replaceText: string }>;
  /** Key Vaults made or read, with the settings that decide who can read their secrets. */
  readonly vaults?: Array<{ readonly address: string; readonly label: string; readonly rbac?: boolean; readonly purgeProtection?: boolean; readonly softDeleteDays?: number }>;
  /** Every identity-relevant resource, data source, module and manifest object, by address, for the fail-safe diff. */
  readonly raw?: ReadonlyMap<string, unknown>;
  /** Problems in the input that did not stop the review. */
  readonly warnings?: string[];
}

const POD_TYPES = new Set(["kubernetes_pod", "kubernetes_pod_v1"]);
const TEMPLATE_TYPES = new Set([
  "kubernetes_deployment", "kubernetes_deployment_v1", "kubernetes_stateful_set", "kubernetes_stateful_set_v1",
  "kubernetes_daemonset", "kubernetes_daemon_set_v1", "kubernetes_job", "kubernetes_job_v1",
]);
const CRON_TYPES = new Set(["kubernetes_cron_job", "kubernetes_cron_job_v1"]);

function* resources(out: SynthOutput, kind: "resource" | "data" = "resource", types?: (type: string) => boolean): Generator<{ stack: string; type: string; name: string; body: any }> {
  for (const s of out.stacks) {
    for (const [type, byName] of Object.entries<any>(s.json?.[kind] ?? {})) {
      if (types && !types(type)) continue;
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
  "f25e0fa2-a7c8-4377-a976-54943a77a395": "Key Vault Contributor",
  "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
  "12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
  "e147488a-f6f5-4113-8e2d-b22465e65bf6": "Key Vault Crypto Service Encryption User",
  "a4417e6f-fecd-4de8-b567-7b0420556985": "Key Vault Certificates Officer",
  "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba": "Key Vault Certificate User",
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

const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v) ?? String(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined || v === null ? [] : [str(v)]);

/** Access-policy permission lists, by kind, as written. */
function permissionsOf(b: any): Array<[string, string[]]> {
  return (
    [
      ["secrets", list(b?.secret_permissions)],
      ["keys", list(b?.key_permissions)],
      ["certificates", list(b?.certificate_permissions)],
      ["storage", list(b?.storage_permissions)],
    ] as Array<[string, string[]]>
  ).filter(([, p]) => p.length > 0);
}

/** "access policy: secrets Get, List; keys Decrypt" (or "… secrets none"). */
function accessPolicyRole(b: any): string {
  const perms = permissionsOf(b);
  return `access policy: ${perms.length ? perms.map(([k, p]) => `${k} ${p.join(", ")}`).join("; ") : "secrets none"}`;
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
  const identityByKey = new Map<string, { key: string; label: string; address?: string; name: string; where?: string }>();
  const identityFor = (key: string, label: string, address?: string, where?: string): Identity => {
    let id = identityByKey.get(key);
    if (!id) identityByKey.set(key, (id = { key, label, address, name: label, where }));
    return id;
  };

  /** The principal of a user-assigned identity resource or data source: its resource group and name, when literal. */
  const managedIdentity = (ref: Ref): Identity => {
    const body = r.body(ref);
    const rg = r.literal(ref.stack, body?.resource_group_name);
    const name = r.literal(ref.stack, body?.name);
    const address = r.key(ref);
    const key = rg !== undefined && name !== undefined ? `managed-identity:${rg.toLowerCase()}/${name.toLowerCase()}` : address;
    return identityFor(key, `${describeEntity(ref)}${ref.kind === "data" ? " (existing)" : ""}`, address, rg);
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
      return identityFor(`application:${r.key(ref)}`, `application ${name ?? r.key(ref)}`, r.key(ref));
    }
    if (ref && ref.type === "azuread_service_principal" && depth < 2) {
      const app = identityOf(ref.stack, r.body(ref)?.client_id, depth + 1);
      if (!app.key.startsWith("literal:")) return app;
    }
    if (ref && ref.type === "azuread_group") {
      const name = r.literal(ref.stack, r.body(ref)?.display_name);
      return identityFor(`group:${r.key(ref)}`, `Entra group ${name ?? r.key(ref)}`, r.key(ref));
    }
    const lit = str(value);
    const named = /userAssignedIdentities\/([^/]+)$/i.exec(lit)?.[1];
    return identityFor(`literal:${lit}`, named ? `${named} (by id)` : lit);
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
      if (ref.type === "azurerm_key_vault_secret") {
        const vaultRef = body ? r.ref(ref.stack, body.key_vault_id) : undefined;
        return { scope: `secret ${describeEntity(ref)} in vault ${vaultRef ? describeEntity(vaultRef) : "?"}`, vault: vaultRef ? r.key(vaultRef) : undefined };
      }
      if (ref.type === "azurerm_key_vault") {
        const m = /^\/secrets\/(.+)$/.exec(ref.suffix);
        return { scope: m ? `secret ${m[1]} in vault ${describeEntity(ref)}` : `vault ${describeEntity(ref)}`, vault: r.key(ref) };
      }
      if (ref.type === "azurerm_resource_group") return { scope: `resource group ${describeEntity(ref)}` };
      if (ref.type === "azurerm_subscription" || ref.type === "azurerm_client_config") {
        const id = ref.kind === "data" ? ` (${r.key(ref)})` : "";
        return { scope: `subscription${id}` };
      }
      return { scope: `${r.key(ref)}.${ref.attr}${ref.suffix}` };
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
      const parent = isApp ? b.application_id : b.parent_id;
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

  const namespaceOf = (stack: string, meta: any) => r.literal(stack, meta?.namespace ?? "default") ?? str(meta?.namespace);

  /** The identity a service account's client-id annotation names (a reference, or the literal id). */
  const clientIdentityOf = (stack: string, clientId: unknown): Identity | undefined =>
    clientId === undefined ? undefined : identityOf(stack, clientId);

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
          key: `${s.name}/manifest:${path.basename(file)}`,
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
          key: `${s.name}/manifest:${path.basename(file)}`,
          kind: `${String(object.kind).toLowerCase()} (manifest)`,
          namespace: str(object.metadata?.namespace ?? "default"),
          name: str(object.metadata?.name),
          serviceAccount: str(template.spec?.serviceAccountName ?? "default"),
          labelled: template.metadata?.labels?.[USE_LABEL] === "true",
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
      });
    });
  }

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

  const chains: Chain[] = [];
  for (const credential of credentials) {
    const m = SA_SUBJECT.exec(credential.subject);
    const problems: string[] = [];
    if (credential.audience.length !== 1 || credential.audience[0] !== TOKEN_EXCHANGE_AUDIENCE) {
      problems.push(`audience ${JSON.stringify(credential.audience)} is not ["${TOKEN_EXCHANGE_AUDIENCE}"]`);
    }
    const env = credential.stack ? stackOf.get(credential.stack)?.group?.environment ?? "" : "";
    const sa = m ? saByName.get(`${env}|${m[1]}/${m[2]}`) : undefined;
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
    const pods = m ? podsBySa.get(`${env}|${m[1]}/${m[2]}`) ?? [] : [];
    for (const p of pods) if (!p.labelled) problems.push(`${p.kind} ${p.namespace}/${p.name} lacks ${USE_LABEL}: "true"`);
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
    credentials, grants, serviceAccounts, workloads, chains, sharedAccess, annotations: out.annotations, identities, vaults, raw: rawResources(out), warnings: out.warnings ?? [],
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

// ---- what the fail-safe diff compares ------------------------------------------------------

/**
 * Resource and data source types that decide who acts as whom or who can read what: role
 * assignments and definitions, Key Vaults and their access policies, identities and federated
 * credentials, every Entra (azuread) type (groups and members, applications, service principals,
 * their credentials), Kubernetes service accounts, workloads and RBAC, manifests, propagation
 * waits, and the cluster's identity settings.
 */
const RELEVANT_TYPE =
  /^(azurerm_(role_assignment|role_definition|pim_\w+|key_vault|key_vault_access_policy|key_vault_secret|user_assigned_identity|federated_identity_credential|kubernetes_cluster)|azuread_\w+|kubernetes_(service_account|pod|deployment|stateful_set|daemonset|daemon_set|job|cron_job|replication_controller|replica_set|manifest|role|role_binding|cluster_role|cluster_role_binding|secret)(_v1|_v2)?|time_sleep)$/;

/** Attributes that never change who can read what (descriptions, tags, timeouts, ordering, cdktf metadata). */
const IGNORED_ATTRIBUTES = new Set(["//", "tags", "description", "timeouts", "lifecycle", "depends_on"]);

/** For the cluster, only its identity settings; the rest (node pools, network…) is not reviewed here. */
const CLUSTER_ATTRIBUTES = new Set([
  "name", "resource_group_name", "location", "oidc_issuer_enabled", "workload_identity_enabled", "local_account_disabled",
  "azure_active_directory_role_based_access_control", "key_vault_secrets_provider", "identity", "provider", "count", "for_each",
]);

/** Workload attributes that are how it runs, not who it runs as (images, resources, probes, replicas). */
export const WORKLOAD_RUNTIME_PATH =
  /(^|\.)(container|init_container|containers|initContainers)(\[\d+\])?\.(image|image_pull_policy|imagePullPolicy|resources|liveness_probe|livenessProbe|readiness_probe|readinessProbe|startup_probe|startupProbe|port|ports|command|args|working_dir|workingDir|lifecycle)(\.|\[|$)|(^|\.)(replicas|strategy|min_ready_seconds|minReadySeconds|revision_history_limit|revisionHistoryLimit|progress_deadline_seconds|progressDeadlineSeconds)(\.|\[|$)/;

function relevantBody(type: string, body: any): any {
  if (!isObject(body)) return body;
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (IGNORED_ATTRIBUTES.has(k)) continue;
    if (/kubernetes_cluster$/.test(type) && !CLUSTER_ATTRIBUTES.has(k)) continue;
    if (type === "azurerm_key_vault_secret" && /^value/.test(k)) continue;
    kept[k] = v;
  }
  return kept;
}

/** Every identity-relevant block of the synth output by address (`stack/type.name`, `stack/data.type.name`, `stack/module.name`, `stack/manifest:…`). */
function rawResources(out: SynthOutput): Map<string, unknown> {
  const raw = new Map<string, unknown>();
  for (const s of out.stacks) {
    for (const kind of ["resource", "data"] as const) {
      for (const [type, byName] of Object.entries<any>(s.json?.[kind] ?? {})) {
        if (!RELEVANT_TYPE.test(type)) continue;
        for (const [name, body] of Object.entries<any>(byName)) raw.set(`${s.name}/${kind === "data" ? "data." : ""}${type}.${name}`, relevantBody(type, body));
      }
    }
    for (const [name, body] of Object.entries<any>(s.json?.module ?? {})) raw.set(`${s.name}/module.${name}`, relevantBody("module", body));
    for (const { file, object } of s.manifests ?? []) {
      const key = `${s.name}/manifest:${path.basename(file)}`;
      raw.set(key, [...((raw.get(key) as unknown[]) ?? []), object]);
    }
  }
  return raw;
}
