import { IDENTITY_BINDING_RULES, identityBindingFindings } from "../../identity-binding-checks";
import { defineSecurityRule } from "../rule";

const [id, severity, title, fix] = IDENTITY_BINDING_RULES[1];

export default defineSecurityRule({
  id,
  severity,
  title,
  fix,
  check(ctx, report) {
    identityBindingFindings(ctx.elements, ctx.pods, ctx.clientIds, ctx.directSubjects, (e, ruleId, message) => ruleId === id && report(e, message), (e, v) => ctx.deref(e.stack, v));
  },
});
