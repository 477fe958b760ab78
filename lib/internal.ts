import { TerraformResource, TerraformStack, Token } from "cdktf";
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
