/**
 * The security rule pass, in the spirit of cdk-nag: one file per rule under ./security/rules, a
 * shared context built once per app (./security/context), findings with suppressions that travel
 * into the synth output.
 */
import { Annotations, App, IAspect, TerraformElement, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { GUARDRAILS_RECORD } from "../core/constants";
import { libraryProblems } from "../core/internal";
import { Element, SecurityContext } from "./security/context";
import type { SecurityRule, Severity } from "./security/rule";
import { ALL_RULES } from "./security/rules";

export type { SecurityRule, Severity } from "./security/rule";
export * from "./terraform-templates";

/** The rules, by id, derived from the rule files. Ids are stable: suppressions and CI filters refer to them. */
export const SECURITY_RULES: Readonly<Record<string, SecurityRule>> = Object.fromEntries(
  ALL_RULES.map(({ id, severity, title, fix }) => [id, { id, severity, title, fix }]),
);

/** One rule violation. */
export interface Finding {
  /** Id of the rule that found it, e.g. `AZWI003` (a key of {@link SECURITY_RULES}). */
  readonly ruleId: string;
  /** The rule's severity: an unsuppressed error fails the synth. */
  readonly severity: Severity;
  /** Construct path of the offending element. */
  readonly path: string;
  /** What is wrong, naming the resource and the attribute. */
  readonly message: string;
  /** How to fix it: the rule's fix. */
  readonly fix: string;
  /** The suppression reason, when suppressed. */
  readonly suppressedBecause?: string;
}

const suppressions = new WeakMap<IConstruct, Map<string, string>>();
const analyses = new WeakMap<App, Finding[]>();
/** The stack each finding's construct belongs to (a stack nested in another reports its own). */
const stackOfFinding = new WeakMap<Finding, TerraformStack>();

function analyze(app: App): Finding[] {
  const ctx = new SecurityContext(app);
  const findings: Finding[] = [];
  for (const rule of ALL_RULES) {
    rule.check(ctx, (on, message) => {
      const construct: TerraformElement = "construct" in on ? (on as Element).construct : on;
      const finding: Finding = { ruleId: rule.id, severity: rule.severity, path: construct.node.path, message, fix: rule.fix, suppressedBecause: suppressionOf(construct, rule.id) };
      stackOfFinding.set(finding, TerraformStack.of(construct));
      findings.push(finding);
    });
  }
  return findings;
}

/**
 * The security rule pass, in the spirit of cdk-nag, as a cdktf Aspect: add it to every stack
 * (`Aspects.of(stack).add(checks)`) and each synth checks all resources of the app – ours and
 * anyone else's. Errors fail the synth with the construct path, the rule id, the message and the
 * fix; warnings are annotations. Suppress a finding with {@link WorkloadIdentityChecks.suppress}.
 */
export class WorkloadIdentityChecks implements IAspect {
  /**
   * Suppresses `ruleId` on `scope` and everything below it. The reason is mandatory and is kept
   * with the finding, so reviewers see why.
   */
  public static suppress(scope: IConstruct, ruleId: string, reason: string): void {
    if (!SECURITY_RULES[ruleId]) {
      throw new Error(`WorkloadIdentityChecks.suppress: unknown rule ${JSON.stringify(ruleId)}; known rules: ${Object.keys(SECURITY_RULES).join(", ")}`);
    }
    if (reason.trim().length < 10) {
      throw new Error(`WorkloadIdentityChecks.suppress(${ruleId}) on ${scope.node.path}: give a reason of at least 10 characters`);
    }
    let map = suppressions.get(scope);
    if (!map) suppressions.set(scope, (map = new Map()));
    map.set(ruleId, reason.trim());
  }

  /** Every finding of the app, suppressed ones included (computed once per app). */
  public static findings(app: App): readonly Finding[] {
    let found = analyses.get(app);
    if (!found) {
      found = analyze(app);
      analyses.set(app, found);
    }
    return found;
  }

  /**
   * All unsuppressed error findings of the app, as messages. `checkApp` uses this to fail before
   * any stack is written.
   */
  public static errors(app: App): string[] {
    return WorkloadIdentityChecks.findings(app)
      .filter((f) => f.severity === "error" && f.suppressedBecause === undefined)
      .map(formatFinding);
  }

  /**
   * Reports the findings of a stack, once per stack however many of these aspects are attached:
   * unsuppressed errors as a validation of the stack (failing its synth), warnings as annotations,
   * and a record in the stack's JSON that the pass ran, with each suppression and its reason. cdktf
   * calls it for every construct; it acts on stacks only.
   *
   * @param node - the construct cdktf visits
   */
  public visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const stack = node as TerraformStack;
    // Once per stack, however many WorkloadIdentityChecks are attached (the constructs attach one;
    // users and older apps may attach their own).
    if (reportedStacks.has(stack)) return;
    reportedStacks.add(stack);
    const app = App.of(stack);
    const inStack = WorkloadIdentityChecks.findings(app).filter((f) => stackOfFinding.get(f) === stack);
    const findings = inStack.filter((f) => f.suppressedBecause === undefined);
    const errors = findings.filter((f) => f.severity === "error").map(formatFinding);
    const warnings = findings.filter((x) => x.severity === "warning");
    // `new App({ skipValidation: true })` makes cdktf skip every construct validation (cdktf 0.21
    // lib/synthesize/synthesizer.js, lib/app.js), the security errors and the constructs' own
    // problems among them; error annotations still fail the synth (the synthesizer throws on
    // them, and the cdktf CLI's printAnnotations exits non-zero). So with skipValidation the same
    // problems are raised as error annotations, and a warning says which checks did not run.
    const skipped = (app as { skipValidation?: boolean }).skipValidation === true;
    const problems = skipped
      ? stack.node.findAll().flatMap((c) => libraryProblems(c).map((m) => `[${c.node.path}] ${m}`))
      : [];
    if (skipped) {
      for (const message of [...problems, ...errors]) Annotations.of(stack).addError(message);
      Annotations.of(stack).addWarning(
        "skipValidation is on: cdktf skips construct validations, but the guardrails of aks-workload-identity-cdktf still ran " +
          "(their errors fail the synth); validations of other libraries and of cdktf itself did not run",
      );
    } else if (errors.length) {
      stack.node.addValidation({ validate: () => errors });
    }
    for (const f of warnings) Annotations.of(stack).addWarning(formatFinding(f));
    // The record the review reads: the security pass ran on this stack, what it found, and each
    // suppressed finding with its reason (Terraform ignores "//"). A pull request can write any
    // JSON, so the review treats it as a claim, and a stack without it as not checked.
    const suppressed = inStack
      .filter((f) => f.suppressedBecause !== undefined)
      .map((f) => ({ rule: f.ruleId, path: f.path, reason: f.suppressedBecause!, message: f.message }));
    stack.addOverride(`//.${GUARDRAILS_RECORD}`, {
      securityPass: "ran",
      skipValidation: skipped,
      errors: errors.length,
      warnings: warnings.length,
      suppressed,
    });
  }
}

const reportedStacks = new WeakSet<TerraformStack>();

export function formatFinding(f: Finding): string {
  return `[${f.ruleId}] ${f.path}: ${f.message}. Fix: ${f.fix}`;
}

function suppressionOf(construct: IConstruct, ruleId: string): string | undefined {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    const reason = suppressions.get(c)?.get(ruleId);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

