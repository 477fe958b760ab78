/**
 * One registry of real-world names, app-wide: every resource of the app (the library's and the
 * user's own) that Azure, Entra or Kubernetes identifies by a name claims that name, compared as the
 * service compares it. A second claim of one name is an error on the second resource, naming both
 * (the second create would fail with "already exists", or – for Kubernetes objects created by two
 * stacks – the two states would fight over one object).
 *
 * Values known only at apply are compared by what they name: one reference by the stack and address
 * it points into (so a reference from another stack equals the direct one), anything else by the
 * expression it resolves to (in a resource with for_each, that resource's own). A literal and a
 * reference to the same value are not caught. Arguments set by overrides (addOverride) count.
 */
import { Aspects, DefaultTokenResolver, IAspect, StringConcat, TerraformDataSource, TerraformProvider, TerraformResource, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "../core/constants";
import {
  clusterKeys,
  constructCredentials,
  defaultKubernetesProvider,
  ManifestCollection,
  manifestClusters,
  manifestCollectionsOf,
  providerClusters,
  reportOnce,
  selfCheckedKubernetesOwners,
} from "../core/internal";
import { deepMerge } from "./security/context";

/** How one resource type is named in the real world. */
interface NameRule {
  /** What the name is, for messages ("Key Vault name (global)"). */
  readonly what: string;
  /** The attributes that together make the name, in order. */
  readonly parts: readonly string[];
  /** Azure and Entra compare names without case; Kubernetes with case. */
  readonly caseInsensitive: boolean;
  /** The scope the name is unique in, for messages. */
  readonly scope: string;
}

/**
 * The name rules, by resource type. Sources: Azure resource name rules (Key Vault and container
 * registry names are global DNS names; the rest are unique in their parent); azurerm 4.55 builds each
 * id from these attributes and refuses a create whose id exists ("already exists - to be managed via
 * Terraform this resource needs to be imported").
 */
const NAME_RULES: Record<string, NameRule | readonly NameRule[]> = {
  azurerm_resource_group: { what: "resource group", parts: ["name"], caseInsensitive: true, scope: "its subscription" },
  azurerm_key_vault: { what: "Key Vault", parts: ["name"], caseInsensitive: true, scope: "all of Azure (vault names are global DNS names)" },
  azurerm_container_registry: { what: "container registry", parts: ["name"], caseInsensitive: true, scope: "all of Azure (registry names are global DNS names)" },
  azurerm_user_assigned_identity: { what: "user-assigned identity", parts: ["resource_group_name", "name"], caseInsensitive: true, scope: "its resource group" },
  azurerm_kubernetes_cluster: { what: "AKS cluster", parts: ["resource_group_name", "name"], caseInsensitive: true, scope: "its resource group" },
  azurerm_key_vault_secret: { what: "Key Vault secret", parts: ["key_vault_id", "name"], caseInsensitive: true, scope: "its vault" },
  azurerm_key_vault_access_policy: { what: "Key Vault access policy", parts: ["key_vault_id", "object_id", "application_id"], caseInsensitive: true, scope: "its vault (one per object id)" },
  azurerm_role_assignment: {
    what: "role assignment",
    parts: ["scope", "principal_id", "role_definition_name", "role_definition_id"],
    caseInsensitive: true,
    scope: "its scope (Azure answers RoleAssignmentExists)",
  },
  // A credential is unique by name and by issuer + subject in its identity or application: Entra
  // refuses the second ("FederatedIdentityCredential with the same issuer and subject already exists").
  azurerm_federated_identity_credential: [
    { what: "federated credential", parts: ["parent_id", "name"], caseInsensitive: true, scope: "its identity" },
    { what: "federated credential", parts: ["parent_id", "issuer", "subject"], caseInsensitive: false, scope: "its identity (one credential per issuer and subject)" },
  ],
  azuread_application_federated_identity_credential: [
    { what: "application federated credential", parts: ["application_id", "display_name"], caseInsensitive: true, scope: "its application" },
    { what: "application federated credential", parts: ["application_id", "issuer", "subject"], caseInsensitive: false, scope: "its application (one credential per issuer and subject)" },
  ],
};

/** Kubernetes kinds by resource type, for objects claimed per cluster across stacks. */
const KUBERNETES_KINDS: Record<string, string> = {
  kubernetes_namespace_v1: "Namespace",
  kubernetes_namespace: "Namespace",
  kubernetes_service_account_v1: "ServiceAccount",
  kubernetes_service_account: "ServiceAccount",
  kubernetes_pod_v1: "Pod",
  kubernetes_pod: "Pod",
  kubernetes_deployment_v1: "Deployment",
  kubernetes_deployment: "Deployment",
  kubernetes_secret_v1: "Secret",
  kubernetes_config_map_v1: "ConfigMap",
  kubernetes_role_v1: "Role",
  kubernetes_role_binding_v1: "RoleBinding",
  kubernetes_cluster_role_v1: "ClusterRole",
  kubernetes_cluster_role_binding_v1: "ClusterRoleBinding",
  // The object's own kind, read from its manifest.
  kubernetes_manifest: "manifest",
};

interface Claim {
  readonly key: string;
  /** What is claimed, for the message (made only for a second claim). */
  readonly label: () => string;
  readonly scope: string;
  /** Where the claim is reported and how messages name it. */
  readonly at: IConstruct;
  readonly where: string;
  /**
   * Kubernetes objects: the stack and the target that applies them (a provider, or a GitOps
   * directory), and whether a workload's own check already covers a duplicate within that target.
   */
  readonly target?: string;
  readonly selfChecked?: boolean;
}
/**
 * Types whose id is fixed by a global name: a reference to the id of one (resource or data source)
 * is compared by that name, so a secret created in one vault through two stacks' references (one
 * creates the vault, another reads it by name) is one claim.
 */
const GLOBAL_NAME_IDS: ReadonlySet<string> = new Set(["azurerm_key_vault"]);

/** Resources and data sources by Terraform address, per stack, built on first use within one pass over the app. */
type AddressIndex = (stack: IConstruct) => Map<string, TerraformResource | TerraformDataSource>;

function addressIndex(): AddressIndex {
  const byStack = new Map<IConstruct, Map<string, TerraformResource | TerraformDataSource>>();
  return (stack) => {
    let byAddress = byStack.get(stack);
    // Stryker disable next-line ConditionalExpression: a cache; building the index again gives the same map
    if (byAddress) return byAddress;
    byAddress = new Map();
    for (const c of stack.node.findAll()) {
      if (TerraformResource.isTerraformResource(c)) byAddress.set(`${c.terraformResourceType}.${c.friendlyUniqueId}`, c);
      // Stryker disable next-line ConditionalExpression: other constructs (resources, providers) would also be filed under data.<type>, where only a data source's id points
      if (TerraformDataSource.isTerraformDataSource(c)) byAddress.set(`data.${c.terraformResourceType}.${c.friendlyUniqueId}`, c);
    }
    byStack.set(stack, byAddress);
    return byAddress;
  };
}

/** `<type> named <name>` when `value` is one reference to the `id` of an element named globally with a literal name. */
function globalNameOfReference(value: string, index: AddressIndex): string | undefined {
  const fragments = Tokenization.reverseString(value);
  if (fragments.length !== 1) return undefined;
  const ref = fragments.firstToken as { identifier?: unknown; originStack?: IConstruct } | undefined;
  // Stryker disable next-line OptionalChaining: the one fragment of a string with a token is that token
  if (typeof ref?.identifier !== "string" || !ref.originStack || !ref.identifier.endsWith(".id")) return undefined;
  const address = ref.identifier.slice(0, -".id".length);
  const element = index(ref.originStack).get(address);
  if (!element || !GLOBAL_NAME_IDS.has(element.terraformResourceType)) return undefined;
  const name = synthesizedArguments(element)?.name;
  return typeof name === "string" && !Token.isUnresolved(name) ? `${element.terraformResourceType} named ${name}` : undefined;
}

/** The value of `attribute` in a resource's synthesized arguments, as a comparable string. */
function valueOf(resource: TerraformResource, attrs: Record<string, unknown>, attribute: string, index: AddressIndex): string | undefined {
  const given = attrs[attribute];
  if (given === undefined || given === null) return undefined;
  // A token object (an iterator's each.value) is read as the token string it stands for.
  const value = Tokenization.isResolvable(given) ? Token.asString(given) : given;
  if (typeof value !== "string") return JSON.stringify(value);
  if (!Token.isUnresolved(value)) return value;
  const global = globalNameOfReference(value, index);
  if (global !== undefined) return global;
  // One reference is compared by the address it names in the stack it points into: from another
  // stack it resolves to a remote-state output, which would never equal the direct reference.
  const single = Tokenization.reverseString(value);
  const ref = single.length === 1 ? (single.firstToken as { identifier?: unknown; originStack?: IConstruct } | undefined) : undefined;
  if (typeof ref?.identifier === "string" && ref.originStack) return `${ref.originStack.node.path}:\${${ref.identifier}}`;
  // Anything else (references inside a longer value, function calls) is a different token string
  // each time: compare what it resolves to, qualified by the resource's stack (addresses repeat
  // across stacks) – or by the resource itself when it has for_each: each.value and each.key take
  // the values of its own collection, so the same expression in two resources names different objects.
  const stack = TerraformStack.of(resource);
  const resolved = Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
  const qualifier = resource.forEach !== undefined ? resource.node.path : stack.node.path;
  return `${qualifier}:${typeof resolved === "string" ? resolved : JSON.stringify(resolved)}`;
}

/**
 * A resource's arguments with its escape-hatch overrides merged in (a name set by addOverride is the
 * name Terraform gets, as the security checks read it). Read once per pass: a credential is read for
 * its claims and again for its holder's count.
 */
let argumentsOfPass = new WeakMap<object, Record<string, unknown> | undefined>();

function synthesizedArguments(resource: TerraformResource | TerraformDataSource): Record<string, unknown> | undefined {
  // Stryker disable next-line ConditionalExpression: a cache; reading the arguments again gives the same values
  if (!argumentsOfPass.has(resource)) argumentsOfPass.set(resource, readArguments(resource));
  return argumentsOfPass.get(resource);
}

/**
 * The arguments, or undefined when the provider class cannot synthesize them (cdktf's prepareStack
 * has then already failed the synth with that error: it synthesizes every resource before the aspects run).
 */
function readArguments(resource: TerraformResource | TerraformDataSource): Record<string, unknown> | undefined {
  const r = resource as unknown as { synthesizeAttributes(): Record<string, unknown>; rawOverrides: Record<string, unknown> };
  // Stryker disable BlockStatement: an empty catch block returns undefined all the same (an empty try block would return nothing for every resource, which every test catches)
  try {
    return deepMerge({ ...r.synthesizeAttributes() }, r.rawOverrides);
  } catch {
    return undefined;
  }
}
// Stryker restore BlockStatement

/**
 * A Kubernetes resource's `metadata` as configured, from the provider class's `metadataInput`
 * getter when it has one (every generated kubernetes_* resource with a metadata block does): name
 * and namespace read the same there as in the synthesized block, and reading them does not convert
 * the whole resource (a pod's spec) to Terraform. Otherwise (or when overrides are set) the synthesized arguments.
 */
function kubernetesMetadata(resource: TerraformResource): Record<string, unknown> | undefined {
  if (Object.keys((resource as unknown as { rawOverrides: object }).rawOverrides).length) return synthesizedArguments(resource);
  // Stryker disable next-line ConditionalExpression,StringLiteral: the synthesized arguments hold the same name and namespace; the getter only spares converting the whole resource
  if ("metadataInput" in resource) return { metadata: (resource as unknown as { metadataInput: unknown }).metadataInput };
  return synthesizedArguments(resource);
}

/** The cluster a Kubernetes provider talks to, when a cluster construct with a literal name made the provider. */
function clusterOf(provider: TerraformProvider | undefined): string | undefined {
  const cluster = provider && providerClusters.get(provider);
  return cluster && clusterKeys.get(cluster);
}

/**
 * The cluster a Kubernetes resource is applied to: the cluster the library made its provider from,
 * or else its stack and provider (two providers the library cannot place count as two clusters).
 */
export function kubernetesTargetOf(resource: TerraformResource): string {
  const provider = resource.provider ?? defaultKubernetesProvider(resource);
  return clusterOf(provider) ?? `${TerraformStack.of(resource).node.path}|provider ${provider?.node.path ?? "(none)"}`;
}

function claimsOf(resource: TerraformResource, index: AddressIndex): Claim[] {
  const rule = NAME_RULES[resource.terraformResourceType];
  const kind = KUBERNETES_KINDS[resource.terraformResourceType];
  // Stryker disable next-line ConditionalExpression: a shortcut; a resource of neither kind would claim nothing below (no Kubernetes kind)
  if (!rule && !kind) return [];
  const attrs = kind ? kubernetesMetadata(resource) : synthesizedArguments(resource);
  if (!attrs) return [];
  if (rule) {
    const rules: readonly NameRule[] = Array.isArray(rule) ? rule : [rule as NameRule];
    return rules.flatMap((r, i): Claim[] => {
      const values = r.parts.map((p) => valueOf(resource, attrs, p, index));
      if (values[values.length - 1] === undefined && r.parts[r.parts.length - 1] !== "application_id" && r.parts[r.parts.length - 1] !== "role_definition_id") return [];
      const shown = () => r.parts.map((p, j) => (values[j] === undefined ? undefined : `${p} ${JSON.stringify(values[j])}`)).filter(Boolean).join(", ");
      const key = `${resource.terraformResourceType}#${i}|${values.map((v) => v ?? "").join("|")}`;
      // Stryker disable next-line MethodExpression: upper and lower case fold the ASCII names Azure and Entra allow alike
      return [{ key: r.caseInsensitive ? key.toLowerCase() : key, label: () => `${r.what} (${shown()})`, scope: r.scope, at: resource, where: resource.node.path }];
    });
  }
  const provider = resource.provider ?? defaultKubernetesProvider(resource);
  const cluster = clusterOf(provider);
  if (!cluster) return [];
  // kubernetes_manifest: the object's own kind and metadata.
  const object = kind === "manifest" ? (attrs.manifest as Record<string, unknown> | undefined) : attrs;
  const objectKind = kind === "manifest" ? object?.kind : kind;
  if (typeof objectKind !== "string") return [];
  const meta = (Array.isArray(object?.metadata) ? (object!.metadata as unknown[])[0] : object?.metadata) as Record<string, unknown> | undefined;
  const name = meta && valueOf(resource, meta, "name", index);
  if (!name) return [];
  const namespace = clusterScoped(objectKind) ? "" : (valueOf(resource, meta!, "namespace", index) ?? "default");
  return [
    {
      ...kubernetesClaim(cluster, objectKind, namespace, name),
      at: resource,
      where: resource.node.path,
      target: `${TerraformStack.of(resource).node.path}|provider ${provider!.node.path}`,
      selfChecked: selfCheckedKubernetesOwners.has(resource.node.scope!),
    },
  ];
}

/** Kinds without a namespace, among those the library and its users create. */
function clusterScoped(kind: string): boolean {
  return kind === "Namespace" || kind.startsWith("Cluster") || kind === "CustomResourceDefinition" || kind === "StorageClass" || kind === "PersistentVolume";
}

function kubernetesClaim(cluster: string, kind: string, namespace: string, name: string): Pick<Claim, "key" | "label" | "scope"> {
  return { key: `k8s|${cluster}|${kind}|${namespace}|${name}`, label: () => `Kubernetes ${kind} ${namespace ? `${namespace}/` : ""}${name} on cluster ${cluster}`, scope: "its cluster" };
}

/**
 * The objects of a GitOps collection, claimed on the cluster its workloads trust. A directory whose
 * workloads trust clusters with different real names is itself a problem (it is applied to one cluster).
 */
function manifestClaimsOf(collection: ManifestCollection): { claims: Claim[]; mixed?: string[] } {
  const clusters = manifestClusters.get(collection) ?? new Set<object>();
  const keys = [...new Set([...clusters].map((c) => clusterKeys.get(c)).filter((k): k is string => k !== undefined))];
  if (keys.length > 1) return { claims: [], mixed: keys.sort() };
  if (keys.length === 0) return { claims: [] };
  const stack = TerraformStack.of(collection);
  const claims: Claim[] = [];
  for (const [file, objects] of collection.files) {
    for (const object of objects) {
      const kind = object?.kind;
      const name = object?.metadata?.name;
      if (typeof kind !== "string" || typeof name !== "string") continue;
      const namespace = clusterScoped(kind) ? "" : typeof object.metadata.namespace === "string" ? object.metadata.namespace : "default";
      claims.push({
        ...kubernetesClaim(keys[0], kind, namespace, name),
        at: collection,
        where: `the GitOps manifests ${stack.node.path}/${collection.directory}/${file}`,
        target: `${stack.node.path}|manifests ${collection.directory}`,
        selfChecked: true,
      });
    }
  }
  return { claims };
}

/**
 * Federated credentials count against a limit per identity or application, whichever object or stack
 * makes them: the attribute that names the holder, by resource type.
 */
const CREDENTIAL_HOLDERS: Record<string, { readonly attribute: string; readonly what: string }> = {
  // azurerm 4.66 renames parent_id to user_assigned_identity_id; 4.55 has parent_id only.
  azurerm_federated_identity_credential: { attribute: "parent_id", what: "identity" },
  azuread_application_federated_identity_credential: { attribute: "application_id", what: "application" },
};

/** The credentials of each holder, by the holder's value as the registry compares values. */
function credentialHolders(nodes: readonly IConstruct[], index: AddressIndex): Map<string, { what: string; holder: string; credentials: TerraformResource[] }> {
  const holders = new Map<string, { what: string; holder: string; credentials: TerraformResource[] }>();
  for (const c of nodes) {
    // Stryker disable next-line ConditionalExpression: only resources have the types CREDENTIAL_HOLDERS names (no data source of them exists)
    if (!TerraformResource.isTerraformResource(c)) continue;
    const kind = CREDENTIAL_HOLDERS[c.terraformResourceType];
    if (!kind) continue;
    const attrs = synthesizedArguments(c);
    const holder = attrs && valueOf(c, attrs, attrs.user_assigned_identity_id !== undefined ? "user_assigned_identity_id" : kind.attribute, index);
    if (holder === undefined) continue;
    // Stryker disable next-line MethodExpression: upper and lower case fold the ASCII ids Azure and Entra use alike
    const key = `${kind.what}|${holder.toLowerCase()}`;
    const entry = holders.get(key) ?? { what: kind.what, holder, credentials: [] };
    entry.credentials.push(c);
    holders.set(key, entry);
  }
  return holders;
}

type Duplicates = Map<IConstruct, (Claim & { first: Claim })[]>;
const claimsByApp = new WeakMap<IConstruct, { readonly size: number; readonly found: Duplicates }>();

function add(found: Duplicates, at: IConstruct, message: Claim & { first: Claim }): void {
  const list = found.get(at) ?? [];
  list.push(message);
  found.set(at, list);
}

/** Every second claim in the app, by the construct that made it (computed again only when the app has grown). */
function duplicatesOf(app: IConstruct): { found: Duplicates; mixed: Map<IConstruct, string[]>; limits: Map<IConstruct, string> } {
  const nodes = app.node.findAll();
  const cached = claimsByApp.get(app);
  // Stryker disable next-line ConditionalExpression: a cache; without it every visit computes the same claims again
  if (cached && cached.size === nodes.length) return { found: cached.found, mixed: mixedByApp.get(app)!, limits: limitsByApp.get(app)! };
  argumentsOfPass = new WeakMap();
  const found: Duplicates = new Map();
  const mixed = new Map<IConstruct, string[]>();
  const limits = new Map<IConstruct, string>();
  const firsts = new Map<string, Claim>();
  const index = addressIndex();
  // Stryker disable next-line ArrayDeclaration: a stand-in entry has no key, so it is never a second claim
  const claims: Claim[] = [];
  for (const c of nodes) {
    if (TerraformResource.isTerraformResource(c)) claims.push(...claimsOf(c, index));
    else if (TerraformStack.isStack(c)) {
      for (const collection of manifestCollectionsOf(c)) {
        const result = manifestClaimsOf(collection);
        claims.push(...result.claims);
        if (result.mixed) mixed.set(collection, result.mixed);
      }
    }
  }
  for (const claim of claims) {
    const first = firsts.get(claim.key);
    if (!first) firsts.set(claim.key, claim);
    // Two workloads' objects in one stack and target are the workloads' own check (it names the prop).
    else if (!(claim.selfChecked && first.selfChecked && claim.target === first.target)) add(found, claim.at, { ...claim, first });
  }
  // The limit of credentials per holder, counted across stacks and objects. A holder's credentials
  // made only through ManagedIdentity (counted per identity there), or only by hand within one stack
  // (AZWI013), are left to those checks.
  for (const { what, holder, credentials } of credentialHolders(nodes, index).values()) {
    if (credentials.length <= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) continue;
    const byConstruct = credentials.filter((c) => constructCredentials.has(c)).length;
    const stacks = new Set(credentials.map((c) => TerraformStack.of(c)));
    if (byConstruct === credentials.length || (byConstruct === 0 && stacks.size === 1)) continue;
    // On the first credential over the limit, or, when its stack has no construct of this library
    // (the pass does not run there), on the first credential in a stack where it runs, if any.
    const beyond = credentials[MAX_FEDERATED_CREDENTIALS_PER_IDENTITY];
    const over = [beyond, ...credentials].find((c) => hasRegistry(TerraformStack.of(c))) ?? beyond;
    const label = `${credentials.length} federated credentials on ${what} ${JSON.stringify(holder)}`;
    limits.set(over, `${label} (made in ${[...stacks].map((st) => st.node.path).join(", ")}${byConstruct ? `, ${byConstruct} of them through ManagedIdentity` : ""}); Entra allows ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per ${what}, so the creates beyond it would fail – spread the workloads over more ${what === "identity" ? "identities" : "applications"}`);
  }
  // Stryker disable next-line ObjectLiteral: a cache; without it every visit computes the same claims again
  claimsByApp.set(app, { size: nodes.length, found });
  mixedByApp.set(app, mixed);
  limitsByApp.set(app, limits);
  return { found, mixed, limits };
}
const mixedByApp = new WeakMap<IConstruct, Map<IConstruct, string[]>>();
const limitsByApp = new WeakMap<IConstruct, Map<IConstruct, string>>();

/**
 * The registry pass, added to every stack the library's constructs are in: reports, on each
 * resource of the stack that claims a name already claimed in the app, both places and the fix.
 */
export class RealNameRegistry implements IAspect {
  public visit(node: IConstruct): void {
    // Stryker disable next-line ConditionalExpression: a shortcut; other nodes find the same claims and report nothing new
    if (!TerraformStack.isStack(node)) return;
    const { found, mixed, limits } = duplicatesOf(node.node.root);
    // Where a problem is reported: on a stack the pass runs on (one with a construct of this
    // library), so it fails the synth under skipValidation too; when neither place is on one, on the
    // second place all the same, which cdktf validates like any construct.
    // Stryker disable next-line ConditionalExpression: which stack's visit reports it changes nothing (reportOnce keeps one message per construct)
    const reportsHere = (stack: TerraformStack) => stack === node || !hasRegistry(stack);
    for (const [at, message] of limits) {
      // Stryker disable next-line ConditionalExpression: which stack's visit reports it changes nothing (reportOnce keeps one message per construct)
      if (reportsHere(TerraformStack.of(at))) reportOnce(at, message);
    }
    for (const [at, claims] of found) {
      const here = TerraformStack.of(at);
      for (const claim of claims) {
        const firstStack = TerraformStack.of(claim.first.at);
        if (!hasRegistry(here) && hasRegistry(firstStack)) {
          // Stryker disable next-line ConditionalExpression: which stack's visit reports it changes nothing (reportOnce keeps one message per construct)
          if (firstStack !== node) continue;
          reportOnce(
            claim.first.at,
            `${claim.label()} is also created by ${claim.where} (a stack with no construct of this library); names are unique in ${claim.scope}, so one of the two creates would fail – create it once and share that object`,
          );
          continue;
        }
        // Stryker disable next-line ConditionalExpression: which stack's visit reports it changes nothing (reportOnce keeps one message per construct)
        if (!reportsHere(here)) continue;
        const gitOps = [claim, claim.first].some((c) => c.where !== c.at.node.path);
        const consequence = gitOps
          ? "a cluster holds one object of that name, so whichever applies it second fails (AlreadyExists) or overwrites the other's, and the two keep undoing each other"
          : "so the second create would fail (the resource already exists)";
        reportOnce(
          at,
          `${claim.label()} is already created by ${claim.first.where}; names are unique in ${claim.scope}, ${consequence} – create it once and share that object` +
            (claim.where === at.node.path ? "" : ` (this one: ${claim.where})`),
        );
      }
    }
    for (const [collection, clusters] of mixed) {
      // Stryker disable next-line ConditionalExpression: which stack's visit reports it changes nothing (reportOnce keeps one message per construct)
      if (TerraformStack.of(collection) !== node) continue;
      reportOnce(
        collection,
        `manifestsDirectory ${JSON.stringify((collection as ManifestCollection).directory)} holds workloads federated with clusters ${clusters.join(" and ")}; ` +
          "a GitOps tool applies one directory to one cluster, so the pods on the other cluster would get tokens from an issuer their credentials do not trust – give each cluster's workloads their own manifestsDirectory",
      );
    }
  }
}

/** True when the registry pass runs on `stack` (a stack with a construct of this library). */
function hasRegistry(stack: TerraformStack): boolean {
  return Aspects.of(stack).all.some((a) => a instanceof RealNameRegistry);
}
