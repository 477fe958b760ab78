/**
 * One registry of real-world names, app-wide: every resource of the app (the library's and the
 * user's own) that Azure, Entra or Kubernetes identifies by a name claims that name, compared as the
 * service compares it. A second claim of one name is an error on the second resource, naming both
 * (the second create would fail with "already exists", or – for Kubernetes objects created by two
 * stacks – the two states would fight over one object).
 *
 * Values known only at apply are compared by the expression they resolve to (two references to one
 * attribute are one value); values that differ only in a reference's spelling are not caught.
 */
import { DefaultTokenResolver, IAspect, StringConcat, TerraformDataSource, TerraformElement, TerraformResource, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { clusterKeys, defaultKubernetesProvider, providerClusters, reportOnce } from "../core/internal";

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
const NAME_RULES: Record<string, NameRule> = {
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
  azuread_application_federated_identity_credential: { what: "application federated credential", parts: ["application_id", "display_name"], caseInsensitive: true, scope: "its application" },
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
};

interface Claim {
  readonly key: string;
  /** What is claimed, for the message (made only for a second claim). */
  readonly label: () => string;
  readonly scope: string;
  readonly resource: TerraformResource;
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
    if (byAddress) return byAddress;
    byAddress = new Map();
    for (const c of stack.node.findAll()) {
      if (TerraformResource.isTerraformResource(c)) byAddress.set(`${c.terraformResourceType}.${c.friendlyUniqueId}`, c);
      else if (TerraformDataSource.isTerraformDataSource(c)) byAddress.set(`data.${c.terraformResourceType}.${c.friendlyUniqueId}`, c);
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
  if (typeof ref?.identifier !== "string" || !ref.originStack || !ref.identifier.endsWith(".id")) return undefined;
  const address = ref.identifier.slice(0, -".id".length);
  const element = index(ref.originStack).get(address);
  if (!element || !GLOBAL_NAME_IDS.has(element.terraformResourceType)) return undefined;
  const name = synthesizedArguments(element)?.name;
  return typeof name === "string" && !Token.isUnresolved(name) ? `${element.terraformResourceType} named ${name}` : undefined;
}

/** The value of `attribute` in a resource's synthesized arguments, as a comparable string. */
function valueOf(resource: TerraformResource, attrs: Record<string, unknown>, attribute: string, index: AddressIndex): string | undefined {
  const value = attrs[attribute];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") return JSON.stringify(value);
  if (!Token.isUnresolved(value)) return value;
  const global = globalNameOfReference(value, index);
  if (global !== undefined) return global;
  // Two references to one attribute are different token strings: compare what they resolve to,
  // qualified by the stack the reference points into (addresses repeat across stacks).
  const stack = TerraformStack.of(resource);
  const resolved = Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
  const fragments = Tokenization.reverseString(value);
  const origin = fragments.length === 1 ? (fragments.firstToken as { originStack?: IConstruct } | undefined)?.originStack : undefined;
  return `${(origin ?? stack).node.path}:${typeof resolved === "string" ? resolved : JSON.stringify(resolved)}`;
}

function synthesizedArguments(resource: TerraformResource | TerraformDataSource): Record<string, unknown> | undefined {
  try {
    return (resource as unknown as { synthesizeAttributes(): Record<string, unknown> }).synthesizeAttributes();
  } catch {
    return undefined;
  }
}

/**
 * A Kubernetes resource's `metadata` as configured, from the provider class's `metadataInput`
 * getter when it has one (every generated kubernetes_* resource with a metadata block does): name
 * and namespace read the same there as in the synthesized block, and reading them does not convert
 * the whole resource (a pod's spec) to Terraform. Otherwise the synthesized arguments.
 */
function kubernetesMetadata(resource: TerraformResource): Record<string, unknown> | undefined {
  if ("metadataInput" in resource) return { metadata: (resource as unknown as { metadataInput: unknown }).metadataInput };
  return synthesizedArguments(resource);
}

/** The cluster a Kubernetes resource's provider talks to, when a cluster construct made the provider. */
function clusterOf(resource: TerraformResource): string | undefined {
  const provider = resource.provider ?? defaultKubernetesProvider(resource);
  const cluster = provider && providerClusters.get(provider);
  return cluster && clusterKeys.get(cluster);
}

function claimsOf(resource: TerraformResource, index: AddressIndex): Claim[] {
  const rule = NAME_RULES[resource.terraformResourceType];
  const kind = KUBERNETES_KINDS[resource.terraformResourceType];
  if (!rule && !kind) return [];
  const attrs = kind ? kubernetesMetadata(resource) : synthesizedArguments(resource);
  if (!attrs) return [];
  if (rule) {
    const values = rule.parts.map((p) => valueOf(resource, attrs, p, index));
    if (values[values.length - 1] === undefined && rule.parts.length > 1 && rule.parts[rule.parts.length - 1] !== "application_id" && rule.parts[rule.parts.length - 1] !== "role_definition_id") return [];
    const shown = () => rule.parts.map((p, i) => (values[i] === undefined ? undefined : `${p} ${JSON.stringify(values[i])}`)).filter(Boolean).join(", ");
    const key = `${resource.terraformResourceType}|${values.map((v) => v ?? "").join("|")}`;
    return [{ key: rule.caseInsensitive ? key.toLowerCase() : key, label: () => `${rule.what} (${shown()})`, scope: rule.scope, resource }];
  }
  const cluster = clusterOf(resource);
  if (!cluster) return [];
  const meta = (Array.isArray(attrs.metadata) ? attrs.metadata[0] : attrs.metadata) as Record<string, unknown> | undefined;
  const name = meta && valueOf(resource, meta, "name", index);
  if (!name) return [];
  const namespace = kind === "Namespace" || kind.startsWith("Cluster") ? "" : (valueOf(resource, meta!, "namespace", index) ?? "default");
  return [{ key: `k8s|${cluster}|${kind}|${namespace}|${name}`, label: () => `Kubernetes ${kind} ${namespace ? `${namespace}/` : ""}${name} on cluster ${cluster}`, scope: "its cluster", resource }];
}

type Duplicates = Map<TerraformResource, Claim & { first: TerraformResource }>;
const claimsByApp = new WeakMap<IConstruct, { readonly size: number; readonly found: Duplicates }>();

/** Every second claim in the app, by the resource that made it (computed again only when the app has grown). */
function duplicatesOf(app: IConstruct): Duplicates {
  const nodes = app.node.findAll();
  const cached = claimsByApp.get(app);
  if (cached && cached.size === nodes.length) return cached.found;
  const found: Duplicates = new Map();
  const firsts = new Map<string, TerraformResource>();
  const index = addressIndex();
  for (const c of nodes) {
    if (!TerraformResource.isTerraformResource(c)) continue;
    for (const claim of claimsOf(c, index)) {
      const first = firsts.get(claim.key);
      if (!first) firsts.set(claim.key, c);
      // Kubernetes objects twice in one stack and provider are the workloads' own check (it names the prop).
      else if (!(claim.key.startsWith("k8s|") && TerraformStack.of(first) === TerraformStack.of(c))) found.set(c, { ...claim, first });
    }
  }
  claimsByApp.set(app, { size: nodes.length, found });
  return found;
}

/**
 * The registry pass, added to every stack the library's constructs are in: reports, on each
 * resource of the stack that claims a name already claimed in the app, both places and the fix.
 */
export class RealNameRegistry implements IAspect {
  public visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    for (const [resource, claim] of duplicatesOf(node.node.root)) {
      if (TerraformStack.of(resource) !== node) continue;
      const first = (claim.first as TerraformElement).node.path;
      reportOnce(
        resource,
        `${claim.label()} is already created by ${first}; names are unique in ${claim.scope}, so the second create would fail (the resource already exists) – create it once and share that object`,
      );
    }
  }
}
