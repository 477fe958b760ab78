/**
 * The definition of an identity-binding rule: its catalogue entry from IDENTITY_BINDING_RULES and a
 * check that reports that rule's findings of the shared binding pass.
 */
import { IDENTITY_BINDING_RULES, identityBindingFindings } from "../../identity-binding-checks";
import { TerraformResource } from "cdktf";
import { kubernetesTargetOf } from "../../registry";
import { defineSecurityRule, SecurityRuleDefinition } from "../rule";

export function identityBindingRule(index: 0 | 1): SecurityRuleDefinition {
  const [id, severity, title, fix] = IDENTITY_BINDING_RULES[index];
  return defineSecurityRule({
    id,
    severity,
    title,
    fix,
    check(ctx, report) {
      identityBindingFindings(ctx.elements, ctx.pods, ctx.clientIds, ctx.directSubjects, (e, ruleId, message) => ruleId === id && report(e, message), (e, v) => ctx.deref(e.stack, v), (e) => kubernetesTargetOf(e.construct as TerraformResource));
    },
  });
}
