import { App } from "cdktf";
import { invokeAspects } from "cdktf/lib/synthesize/synthesizer";
import { WorkloadIdentityChecks } from "./checks";

/** Every problem of an app: construct validations and security-rule errors, each with its path. */
export class GuardrailError extends Error {
  /**
   * @param problems - every problem found, each a message that names the construct path, the
   *   field or rule, and the fix
   */
  constructor(
    /** Every problem found, each a message that names the construct path, the field or rule, and the fix. */
    public readonly problems: readonly string[],
  ) {
    super(`${problems.length} problem(s) found; nothing was synthesized:\n  ${problems.join("\n  ")}`);
    this.name = "GuardrailError";
  }
}

/**
 * Checks the whole app before anything is written: the aspects of every stack (the name registry,
 * the ordering), every construct's validations in every stack, and the error findings of {@link WorkloadIdentityChecks}. Throws one {@link GuardrailError}
 * listing all problems. (cdktf's own `app.synth()` validates stack by stack and would write the
 * stacks before the first failing one.)
 */
export function checkApp(app: App): void {
  // The library's passes are aspects (the name registry and the ordering add their problems as
  // validations when they visit a stack); cdktf invokes aspects only inside `app.synth()`, stack by
  // stack (cdktf 0.21 lib/synthesize/synthesizer.js). Invoked here first, so their problems are
  // among "every problem at once"; they are idempotent, and synth invokes them again.
  for (const stack of app.node.children) invokeAspects(stack);
  const problems: string[] = [];
  const findings = WorkloadIdentityChecks.errors(app);
  // The security pass, when its aspect has visited a stack, has also made its errors that stack's
  // validations: each is listed once, as the finding.
  const known = new Set(findings);
  for (const c of app.node.findAll()) {
    for (const message of c.node.validate()) if (!known.has(message)) problems.push(`[${c.node.path}] ${message}`);
  }
  problems.push(...findings);
  if (problems.length) throw new GuardrailError(problems);
}
