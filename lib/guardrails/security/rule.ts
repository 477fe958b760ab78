/**
 * What a security rule is: an id, a severity, a title, a fix and a check over the shared context.
 * One rule per file under ./rules; the catalogue (`SECURITY_RULES`, docs/rules.md) is derived from
 * those files.
 */
import type { TerraformElement } from "cdktf";
import type { Element, SecurityContext } from "./context";

/** `error` fails the synth; `warning` is printed by `cdktf synth` and kept in the manifest. */
export type Severity = "error" | "warning";

/** A security rule of `WorkloadIdentityChecks`, as the catalogue lists it. */
export interface SecurityRule {
  /** Stable id, e.g. `AZWI003`. */
  readonly id: string;
  /** What a finding of the rule does to the synth: an error fails it, a warning is printed. */
  readonly severity: Severity;
  /** What the rule checks. */
  readonly title: string;
  /** How to fix a finding. */
  readonly fix: string;
}

/** Reports a finding of the rule being checked on an element (or a construct) with a message. */
export type Report = (on: Element | TerraformElement, message: string) => void;

/** A rule and its check. */
export interface SecurityRuleDefinition extends SecurityRule {
  /** Reports every finding of the rule in the app. */
  check(ctx: SecurityContext, report: Report): void;
}

/** Defines a rule (a typed identity function, so each rule file reads as a declaration). */
export function defineSecurityRule(rule: SecurityRuleDefinition): SecurityRuleDefinition {
  return rule;
}
