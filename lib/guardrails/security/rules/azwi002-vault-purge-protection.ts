import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI002",
  severity: "error",
  title: "A Key Vault has no purge protection",
  fix: "set purge_protection_enabled = true (WorkloadKeyVault does by default)",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_key_vault")) {
      if (e.body.purge_protection_enabled !== true) report(e, "has purge protection off");
    }
  },
});
