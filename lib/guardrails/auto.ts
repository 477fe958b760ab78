/**
 * Guardrails that cannot be skipped silently: every construct of this library calls
 * {@link guardStack} with its scope. The first call per stack
 * - fails when the app was built with another copy of `cdktf` than this library loaded, or when
 *   two copies of this library are loaded (either way `instanceof` checks stop seeing the other
 *   copy's resources, and the security pass would miss them), and
 * - adds {@link WorkloadIdentityChecks} to the stack, so its errors fail `app.synth()` in any app,
 *   without the user wiring an Aspect.
 */
import * as path from "path";
import { App, Aspects, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { WorkloadIdentityChecks } from "./checks";
import { LiteralNameOrdering } from "./ordering";
import { RealNameRegistry } from "./registry";

/** Where this copy of the library lives (its package directory, or lib/ in this repository). */
const THIS_COPY = path.resolve(__dirname, "..", "..");
const CDKTF_COPY = path.dirname(require.resolve("cdktf/package.json"));

// One registry per process, shared by every copy of the library that is loaded.
const REGISTRY = Symbol.for("aks-workload-identity-cdktf/copies");
const registry: Set<string> = ((globalThis as any)[REGISTRY] ??= new Set<string>());
registry.add(THIS_COPY);

/** Thrown when the process holds two copies of cdktf or of this library. */
export class DuplicateCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DuplicateCopyError";
  }
}

const guarded = new WeakSet<TerraformStack>();

/** Checks for duplicate copies and turns the security pass on for `scope`'s stack (once per stack). */
export function guardStack(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  // Stryker disable next-line ConditionalExpression: a cache; a second pass over a guarded stack finds the same copies and adds no aspect it already has
  if (guarded.has(stack)) return;
  const root = scope.node.root;
  // instanceof on purpose: it is false exactly when the app's cdktf is another copy than this library's.
  if (!(stack instanceof TerraformStack) || (App.isApp(root) && !(root instanceof App))) {
    throw new DuplicateCopyError(
      `${scope.node.path}: the app was built with another copy of cdktf than aks-workload-identity-cdktf uses (${CDKTF_COPY}). ` +
        "Two copies cannot see each other's resources, so the guardrails would be skipped. Install cdktf once: " +
        "it is a peer dependency (npm ls cdktf; npm dedupe; no `npm link` of the library next to its own node_modules)",
    );
  }
  if (registry.size > 1) {
    throw new DuplicateCopyError(
      `${scope.node.path}: ${registry.size} copies of aks-workload-identity-cdktf are loaded (${[...registry].join(", ")}); ` +
        "their guardrails cannot see each other's resources. Install it once (npm ls aks-workload-identity-cdktf; npm dedupe)",
    );
  }
  guarded.add(stack);
  // The ordering and the registry first: the security pass collects the library's problems
  // (theirs included) when cdktf's validations are skipped.
  if (!Aspects.of(stack).all.some((a) => a instanceof LiteralNameOrdering)) Aspects.of(stack).add(new LiteralNameOrdering());
  if (!Aspects.of(stack).all.some((a) => a instanceof RealNameRegistry)) Aspects.of(stack).add(new RealNameRegistry());
  if (!Aspects.of(stack).all.some((a) => a instanceof WorkloadIdentityChecks)) Aspects.of(stack).add(new WorkloadIdentityChecks());
}
