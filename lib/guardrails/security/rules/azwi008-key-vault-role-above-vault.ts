import { defineSecurityRule } from "../rule";
import { grantedRole } from "./role-of";

export default defineSecurityRule({
  id: "AZWI008",
  severity: "warning",
  title: "A Key Vault role is granted to a workload identity above the vault (resource group or subscription)",
  fix: "scope the role to the secret or the vault",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_role_assignment")) {
      if (!ctx.isWorkloadPrincipal(e)) continue;
      const role = grantedRole(e);
      const scope = String(e.body.scope ?? "");
      const vaultScoped = /azurerm_key_vault(_secret)?\.|\/providers\/Microsoft\.KeyVault\/vaults\//i.test(scope);
      if (/^Key Vault /i.test(role.name ?? "") && !vaultScoped) report(e, `grants ${role.label} at ${scope}`);
    }
  },
});
