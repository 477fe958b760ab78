import type { TerraformResource } from "cdktf";
import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI015",
  severity: "warning",
  title:
    'A hand-written Terraform template (a plain "${…}" or "%{…}" string, not a cdktf token) is in an identity attribute: issuer, subject, audience, parent identity, principal, scope, role, service account annotation or name, image or env value',
  fix: "pass the construct's attribute or an Fn.* call (a token) instead; for text meant literally use terraformLiteral(); if the expression is intended, suppress with the reason",
  check(ctx, report) {
    // cdktf's escape hatch, legitimate, but where a token or a literal is expected it is either a
    // mistake (a reference typed by hand, unchecked by cdktf) or text that Terraform will evaluate.
    for (const hit of ctx.templateHits) {
      const shown = hit.value.length > 120 ? `${hit.value.slice(0, 117)}...` : hit.value;
      report(
        hit.construct,
        `${(hit.construct as TerraformResource).terraformResourceType}.${hit.attribute} is the hand-written Terraform template ${JSON.stringify(shown)}, which Terraform evaluates at plan and apply`,
      );
    }
  },
});
