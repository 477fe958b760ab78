import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI008",
  severity: "warning",
  title: "A Key Vault role is granted to a workload identity above the vault (resource group or subscription)",
  fix: "scope the role to the secret or the vault",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_role_assignment")) {
      if (!ctx.isWorkloadPrincipal(e)) continue;
      // Stryker disable next-line StringLiteral: a role given by id only reads as no Key Vault role, whatever stands in for its name
      const role = String(e.body.role_definition_name ?? "");
      const scope = String(e.body.scope ?? "");
      const vaultScoped = /azurerm_key_vault(_secret)?\.|\/providers\/Microsoft\.KeyVault\/vaults\//i.test(scope);
      if (/^Key Vault /i.test(role) && !vaultScoped) report(e, `grants ${role} at ${scope}`);
    }
  },
});
