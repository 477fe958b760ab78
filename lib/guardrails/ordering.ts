/**
 * Ordering that Terraform cannot infer, because a name was passed as a literal instead of a
 * reference: a resource that names, by a literal `resource_group_name`, a resource group created in
 * the app waits for it (depends_on in its stack, a stack dependency across stacks); a workload on a
 * namespace that a workload of another stack creates makes its stack depend on that one.
 */
import { IAspect, TerraformResource, TerraformStack, Token } from "cdktf";
import { IConstruct } from "constructs";
import { addDependency, namespaceClaimsOf, reportOnce, sameCluster } from "../core/internal";
import type { NamespaceClaim } from "../core/internal";

const RESOURCE_GROUP = "azurerm_resource_group";

/**
 * The literal value a resource was given for an argument, read from the provider class's
 * `<argument>Input` getter (the configured value, before references are rendered); undefined when
 * absent or known only at apply.
 */
function literal(resource: TerraformResource, input: "nameInput" | "resourceGroupNameInput"): string | undefined {
  const value = (resource as unknown as Record<string, unknown>)[input];
  // Stryker disable next-line ConditionalExpression: the getters give a string or undefined, and undefined is returned either way
  return typeof value === "string" && !Token.isUnresolved(value) ? value : undefined;
}

const groupsByApp = new WeakMap<IConstruct, { readonly size: number; readonly groups: Map<string, TerraformResource> }>();

/** Resource groups created anywhere in the app, by lowercased literal name (Azure compares without case); found again only when the app has grown. */
function resourceGroupsOf(app: IConstruct): Map<string, TerraformResource> {
  const nodes = app.node.findAll();
  const cached = groupsByApp.get(app);
  // Stryker disable next-line ConditionalExpression: a cache; without it every visit finds the same groups again
  if (cached && cached.size === nodes.length) return cached.groups;
  const groups = new Map<string, TerraformResource>();
  for (const c of nodes) {
    if (!TerraformResource.isTerraformResource(c) || c.terraformResourceType !== RESOURCE_GROUP) continue;
    const name = literal(c, "nameInput");
    // Stryker disable next-line MethodExpression: upper and lower case fold the ASCII names Azure allows alike
    if (name !== undefined && !groups.has(name.toLowerCase())) groups.set(name.toLowerCase(), c);
  }
  // Stryker disable next-line ObjectLiteral: a cache; without it every visit finds the same groups again
  groupsByApp.set(app, { size: nodes.length, groups });
  return groups;
}

/** Makes `from`'s stack depend on `to`'s, or says why it cannot (a cycle). */
function dependStacks(from: TerraformStack, to: TerraformStack, why: string, scope: IConstruct): void {
  if (from === to || from.dependencies.includes(to)) return;
  if (to.dependsOn(from)) {
    reportOnce(
      scope,
      `${why}, created in stack ${to.node.id}, which depends on stack ${from.node.id}: it cannot be applied first. Create it in a stack applied earlier, or pass a reference instead of the name`,
    );
    return;
  }
  from.addDependency(to);
}

/**
 * The ordering pass, added to every stack the library's constructs are in. It acts once per
 * stack, on the stack node, before the stack's validations and manifest entry are made.
 */
export class LiteralNameOrdering implements IAspect {
  public visit(node: IConstruct): void {
    // Stryker disable next-line ConditionalExpression: a shortcut; other nodes find no resource and no need of their own stack
    if (!TerraformStack.isStack(node)) return;
    const stack = node;
    const app = stack.node.root;

    const groups = resourceGroupsOf(app);
    // Stryker disable next-line ConditionalExpression: a shortcut; with no groups the scan finds nothing
    if (groups.size) {
      for (const c of stack.node.findAll()) {
        // A resource group has no resource_group_name (resourceGroupNameInput) of its own.
        if (!TerraformResource.isTerraformResource(c) || TerraformStack.of(c) !== stack) continue;
        const name = literal(c, "resourceGroupNameInput");
        const group = name === undefined ? undefined : groups.get(name.toLowerCase());
        if (!group) continue;
        const groupStack = TerraformStack.of(group);
        if (groupStack === stack) addDependency(c, group);
        else dependStacks(stack, groupStack, `${c.node.path} names resource group ${JSON.stringify(name)} by its name; that group is ${group.node.path}`, c);
      }
    }

    // Namespaces a workload of another stack creates on the same cluster.
    const claims = namespaceClaimsOf(stack);
    // Creators by namespace, in creation order: a scan of all creators per need made a thousand
    // workloads that create their namespaces quadratic.
    const creators = new Map<string, NamespaceClaim[]>();
    for (const c of claims.created) {
      const list = creators.get(c.namespace);
      if (list) list.push(c);
      else creators.set(c.namespace, [c]);
    }
    for (const need of claims.needed.filter((n) => TerraformStack.of(n.scope) === stack)) {
      const candidates = creators.get(need.namespace);
      if (!candidates) continue;
      const cluster = need.cluster();
      const creator = candidates.find((c) => sameCluster(c.cluster(), cluster));
      // A creator in this stack orders the objects itself (ClusterObjects); dependStacks ignores it.
      if (creator) dependStacks(stack, TerraformStack.of(creator.scope), `${need.scope.node.path} uses namespace ${need.namespace}; it is created by ${creator.scope.node.path}`, need.scope);
    }
  }
}
