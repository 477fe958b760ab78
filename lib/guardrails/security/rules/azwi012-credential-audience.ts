import { TOKEN_EXCHANGE_AUDIENCE } from "../../../core/constants";
import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI012",
  severity: "error",
  title: "A Kubernetes federated credential does not have exactly the audience api://AzureADTokenExchange",
  fix: 'use audience ["api://AzureADTokenExchange"]: the webhook requests tokens for it',
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_federated_identity_credential")) {
      const { subject, audience } = e.body;
      const isKubernetes = typeof subject === "string" && subject.startsWith("system:serviceaccount:");
      if (isKubernetes && (!Array.isArray(audience) || audience.length !== 1 || audience[0] !== TOKEN_EXCHANGE_AUDIENCE)) {
        report(e, `has audience ${JSON.stringify(audience)}`);
      }
    }
  },
});
