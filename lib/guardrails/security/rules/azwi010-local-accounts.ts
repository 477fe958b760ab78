import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI010",
  severity: "warning",
  title: "An AKS cluster keeps local accounts enabled",
  fix: "set local_account_disabled = true and use Azure AD (kubelogin)",
  check(ctx, report) {
    for (const c of ctx.resources("azurerm_kubernetes_cluster")) {
      if (c.body.local_account_disabled !== true) report(c, "keeps local (certificate) accounts enabled");
    }
  },
});
