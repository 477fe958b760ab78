import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI003",
  severity: "error",
  title: "A Key Vault secret value is stored in Terraform state (`value` instead of `value_wo`)",
  fix: "write it with value_wo and value_wo_version (KeyVaultSecretAccess does)",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_key_vault_secret")) {
      if (e.body.value !== undefined) report(e, "sets `value`, which Terraform keeps in state");
    }
  },
});
