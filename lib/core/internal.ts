import { anyToTerraform, hashMapper, TerraformResource, TerraformStack, Token } from "cdktf";
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
    provider = stack.node.findAll().find((c): c is TimeProvider => c instanceof TimeProvider);
    if (!provider) provider = new TimeProvider(stack, "time");
    timeProviders.set(stack, provider);
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
