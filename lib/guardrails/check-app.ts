import { App } from "cdktf";
import { WorkloadIdentityChecks } from "./checks";

/** Every problem of an app: construct validations and security-rule errors, each with its path. */
export class GuardrailError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`${problems.length} problem(s) found; nothing was synthesized:\n  ${problems.join("\n  ")}`);
    this.name = "GuardrailError";
  }
}

/**
 * Checks the whole app before anything is written: every construct's validations in every stack,
 * and the error findings of {@link WorkloadIdentityChecks}. Throws one {@link GuardrailError}
 * listing all problems. (cdktf's own `app.synth()` validates stack by stack and would write the
 * stacks before the first failing one.)
 */
export function checkApp(app: App): void {
  const problems: string[] = [];
  for (const c of app.node.findAll()) {
    for (const message of c.node.validate()) problems.push(`[${c.node.path}] ${message}`);
  }
  problems.push(...WorkloadIdentityChecks.errors(app));
  if (problems.length) throw new GuardrailError(problems);
}
