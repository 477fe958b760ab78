import { anyToTerraform, hashMapper, TerraformProvider, TerraformResource, TerraformStack, Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { Sleep } from "@cdktf/provider-time/lib/sleep";

const timeProviders = new WeakMap<TerraformStack, TimeProvider>();

/**
 * Returns the stack's `time` provider, creating it on first use. Cached per stack so that
 * a thousand workloads do not scan the construct tree a thousand times.
 */
export function ensureTimeProvider(scope: IConstruct): TimeProvider {
  const stack = TerraformStack.of(scope);
  let provider = timeProviders.get(stack);
  if (!provider) {
    // isTerraformProvider, not instanceof: a provider class from another copy of cdktf (or cdktn) is one too.
    provider = stack.node.findAll().find((c): c is TimeProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === "time" && c.alias === undefined);
    if (!provider) provider = new TimeProvider(stack, "time");
    timeProviders.set(stack, provider);
  }
  return provider;
}

const defaultKubernetesProviders = new WeakMap<TerraformStack, TerraformProvider>();

/**
 * The stack's default (unaliased) `kubernetes` provider: the one a Kubernetes resource without a
 * `provider` uses. Found once per stack and kept (a second unaliased provider of one type is a
 * Terraform error, so the first one found stays the answer); while there is none, each call looks
 * again, so a provider added later is seen. Workloads and the registry ask per resource: a scan each
 * time made a thousand workloads quadratic.
 */
export function defaultKubernetesProvider(scope: IConstruct): TerraformProvider | undefined {
  const stack = TerraformStack.of(scope);
  let provider = defaultKubernetesProviders.get(stack);
  if (!provider) {
    provider = stack.node
      .findAll()
      .find((c): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === "kubernetes" && c.alias === undefined);
    if (provider) defaultKubernetesProviders.set(stack, provider);
  }
  return provider;
}

/** A `time_sleep` that starts after `after` and is replaced when `triggers` change. */
export function propagationWait(
  scope: Construct,
  id: string,
  createDuration: string,
  after: TerraformResource[],
  triggers: Record<string, string>,
): Sleep {
  return new Sleep(scope, id, {
    provider: ensureTimeProvider(scope),
    createDuration,
    triggers,
    dependsOn: after,
  });
}

/** True when both constructs synthesize into the same Terraform stack. */
export function sameStack(a: IConstruct, b: IConstruct): boolean {
  return TerraformStack.of(a) === TerraformStack.of(b);
}

/**
 * Adds `dependency` to `resource.dependsOn` unless it lives in another stack: Terraform cannot
 * express a dependency across state files, and `cdktf deploy` already orders the stacks.
 */
export function addDependency(resource: TerraformResource, dependency: TerraformResource): void {
  if (!sameStack(resource, dependency)) return;
  // The plain address, as cdktf writes `dependsOn` given at construction (fqn would render as "${…}").
  const address = `${dependency.terraformResourceType}.${dependency.friendlyUniqueId}`;
  const list = (resource.dependsOn ??= []);
  if (!list.includes(address)) list.push(address);
}

/** True for values only known at apply time (cdktf tokens); validators skip those. */
export function isUnresolved(value: unknown): boolean {
  return value !== undefined && value !== null && Token.isUnresolved(value);
}

/**
 * Federated credentials created through `ManagedIdentity.addFederatedCredential`, which counts and
 * de-duplicates them per identity; the app-wide security pass counts only the others.
 */
export const constructCredentials = new WeakSet<IConstruct>();

/**
 * principal_id values (as the constructs hold them, tokens included) of workload principals made
 * by the constructs; the security pass treats role assignments to them as workload grants.
 */
export const workloadPrincipals = new Set<string>();

/** A value kept per Terraform stack, made on first use. */
export function perStack<T>(make: () => T): (scope: IConstruct) => T {
  const values = new WeakMap<TerraformStack, T>();
  return (scope) => {
    const stack = TerraformStack.of(scope);
    let value = values.get(stack);
    if (value === undefined) {
      value = make();
      values.set(stack, value);
    }
    return value;
  };
}

/** A value kept per app (the construct tree's root), made on first use. */
export function perApp<T>(make: () => T): (scope: IConstruct) => T {
  const values = new WeakMap<IConstruct, T>();
  return (scope) => {
    const root = scope.node.root;
    let value = values.get(root);
    if (value === undefined) {
      value = make();
      values.set(root, value);
    }
    return value;
  };
}

/** Something whose pods can be made to wait for a resource (a workload). */
export interface Startable {
  startAfter(resource: TerraformResource): void;
}

interface PrincipalReadiness {
  readonly resources: TerraformResource[];
  readonly workloads: Startable[];
}

const readinessOf = perStack(() => new Map<string, PrincipalReadiness>());

function readiness(scope: IConstruct, principalId: string): PrincipalReadiness {
  const map = readinessOf(scope);
  let entry = map.get(principalId);
  if (!entry) {
    entry = { resources: [], workloads: [] };
    map.set(principalId, entry);
  }
  return entry;
}

/**
 * Registers `resources` (grants, secrets) that pods acting as `principalId` rely on: every workload
 * of this stack with that principal – also those that share its identity and are made later –
 * starts its pods after them. Keyed on principal_id as the constructs hold it (a token for an
 * identity made here, the GUID for one given by attributes).
 */
export function principalNeeds(scope: IConstruct, principalId: string, resources: readonly TerraformResource[]): void {
  const entry = readiness(scope, principalId);
  for (const r of resources) {
    entry.resources.push(r);
    for (const w of entry.workloads) w.startAfter(r);
  }
}

/** Registers a workload acting as `principalId`; it starts after everything registered for it. */
export function principalWorkload(scope: IConstruct, principalId: string, workload: Startable): void {
  const entry = readiness(scope, principalId);
  entry.workloads.push(workload);
  for (const r of entry.resources) workload.startAfter(r);
}

/** A registry attached with ContainerRegistryAccess: how images name it, and the pull grant. */
export interface AttachedRegistry {
  /** Login servers as images name them: the attribute (a token) and, when known, `<name>.azurecr.io`. */
  readonly loginServers: string[];
  readonly pull: TerraformResource;
  /** The registry is created by this construct (empty on the first apply). */
  readonly created: boolean;
}

/** Registries attached in a stack, for pods whose images come from them. */
export const registriesOf = perStack((): AttachedRegistry[] => []);

/**
 * A `terraform_data` that holds `triggers_replace` (a value whose change replaces it, and so
 * whatever names it in `replace_triggered_by`). Not cdktf's `DataResource`: that class adds, per
 * instance, a validation that runs `terraform version` through execSync at synth (cdktf 0.21
 * lib/terraform-data-resource.js), about 150 ms each – a synth of N pods paid N times that, and
 * failed where no terraform binary is installed.
 */
export class TriggerRecord extends TerraformResource {
  constructor(scope: Construct, id: string, private readonly triggers: Record<string, unknown>) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  protected override synthesizeAttributes(): { [name: string]: any } {
    return { triggers_replace: hashMapper(anyToTerraform)(this.triggers) };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    return { triggers_replace: { value: hashMapper(anyToTerraform)(this.triggers), isBlock: false, type: "map", storageClassType: "anyMap" } };
  }
}

/** The Kubernetes objects one GitOps manifests directory writes, by file. */
export interface ManifestCollection extends IConstruct {
  readonly directory: string;
  readonly files: ReadonlyMap<string, readonly any[]>;
}

/**
 * The clusters whose issuer the workloads writing into a GitOps collection trust: the directory is
 * meant for that cluster (its service accounts' tokens must come from that issuer).
 */
export const manifestClusters = new WeakMap<ManifestCollection, Set<object>>();

/** Records that a workload trusting `cluster`'s issuer writes into `collection`. */
export function recordManifestCluster(collection: ManifestCollection, cluster: object): void {
  let clusters = manifestClusters.get(collection);
  if (!clusters) manifestClusters.set(collection, (clusters = new Set()));
  clusters.add(cluster);
}

/**
 * Constructs (workloads) that check their own Kubernetes objects per stack and target, naming the
 * prop: the app-wide registry leaves a duplicate between two of them in one stack and target to them.
 */
export const selfCheckedKubernetesOwners = new WeakSet<IConstruct>();

/**
 * The GitOps manifests collections of each stack, registered by the Kubernetes side so that the
 * app-wide checks read the YAML objects without importing it.
 */
export const manifestCollectionsOf = perStack((): ManifestCollection[] => []);

/**
 * Problems of objects made from attributes given by hand (e.g. `WorkloadKeyVault.fromAttributes`),
 * which have no construct to report on: the first construct that uses the object reports them.
 */
export const attributeProblems = new WeakMap<object, readonly string[]>();
const attributeProblemsReported = new WeakSet<object>();

/** Reports on `scope` the problems of `object`'s attributes, once per object. */
export function reportAttributeProblems(scope: IConstruct, object: object): void {
  const problems = attributeProblems.get(object);
  if (!problems || attributeProblemsReported.has(object)) return;
  attributeProblemsReported.add(object);
  addLibraryValidation(scope, () => [...problems]);
}

/** A cluster's real name, `<resource group>/<name>` in lower case, when both are known at synth. */
export const clusterKeys = new WeakMap<object, string>();
/** The cluster each Kubernetes provider made by a cluster construct talks to. */
export const providerClusters = new WeakMap<object, object>();

/** Records `cluster`'s real name (when both parts are literals) for the provider/issuer check. */
export function recordClusterKey(cluster: object, resourceGroupName: string, name: string): void {
  if (!Token.isUnresolved(resourceGroupName) && !Token.isUnresolved(name)) clusterKeys.set(cluster, `${resourceGroupName}/${name}`.toLowerCase());
}

/** True when `a` and `b` are known to be different clusters (different objects with different real names). */
export function differentClusters(a: object, b: object): boolean {
  if (a === b) return false;
  const [ka, kb] = [clusterKeys.get(a), clusterKeys.get(b)];
  return ka !== undefined && kb !== undefined && ka !== kb;
}

/** A workload's namespace on a cluster: created by it, or needed by it. */
export interface NamespaceClaim {
  readonly namespace: string;
  /** The cluster the workload's Kubernetes provider talks to, when known (resolved at synth). */
  readonly cluster: () => object | undefined;
  readonly scope: IConstruct;
}

/** Namespaces workloads create and need, app-wide, for the stack ordering. */
export const namespaceClaimsOf = perApp(() => ({ created: [] as NamespaceClaim[], needed: [] as NamespaceClaim[] }));

/** True when `a` and `b` are known to be one cluster (one object, or one real name). */
export function sameCluster(a: object | undefined, b: object | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === b) return true;
  const ka = clusterKeys.get(a);
  return ka !== undefined && ka === clusterKeys.get(b);
}

const onceMessages = new WeakMap<IConstruct, Set<string>>();

/**
 * Adds a validation that reports `message` on `scope`, once however often it is called (aspects run
 * again at every synth of the same app).
 */
export function reportOnce(scope: IConstruct, message: string): void {
  let seen = onceMessages.get(scope);
  if (!seen) onceMessages.set(scope, (seen = new Set()));
  if (seen.has(message)) return;
  seen.add(message);
  addLibraryValidation(scope, () => [message]);
}

/**
 * A `terraform_data` whose `output` is its `input`, replaced whenever `triggers` change. In a plan
 * that replaces it, `output` is unknown ("known after apply", Terraform 1.11; checked with the
 * local binary in __tests__/secret-version.test.ts), and it is set from `input` at apply, after
 * whatever `input` names. So a value a provider updates during apply
 * without marking it unknown in the plan can be handed on through it in the same apply.
 */
export class PassThroughRecord extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    private readonly input: string,
    private readonly triggers: Record<string, unknown>,
  ) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  /** The `input`, known after the apply that (re)created this record. */
  public get output(): string {
    return this.getStringAttribute("output");
  }

  protected override synthesizeAttributes(): { [name: string]: any } {
    return { input: this.input, triggers_replace: hashMapper(anyToTerraform)(this.triggers) };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    return {
      input: { value: this.input, isBlock: false, type: "simple", storageClassType: "string" },
      triggers_replace: { value: hashMapper(anyToTerraform)(this.triggers), isBlock: false, type: "map", storageClassType: "anyMap" },
    };
  }
}

const libraryValidations = new WeakMap<IConstruct, Array<() => string[]>>();

/**
 * Adds a validation of this library to `scope`: cdktf runs it with the construct's validations,
 * and {@link libraryProblems} runs it again for the security pass when cdktf's validations are
 * switched off (`skipValidation`), so none of the library's checks can be skipped silently.
 */
export function addLibraryValidation(scope: IConstruct, validate: () => string[]): void {
  scope.node.addValidation({ validate });
  const list = libraryValidations.get(scope);
  if (list) list.push(validate);
  else libraryValidations.set(scope, [validate]);
}

/** The problems the library's validations find on `scope` now. */
export function libraryProblems(scope: IConstruct): string[] {
  return (libraryValidations.get(scope) ?? []).flatMap((validate) => validate());
}
