import { defineSecurityRule } from "../rule";
import { grantedRole } from "./role-of";

const PRIVILEGED_ROLES = new Set(["owner", "contributor", "user access administrator", "role based access control administrator"]);

export default defineSecurityRule({
  id: "AZWI001",
  severity: "error",
  title: "A workload identity holds Owner, Contributor, User Access Administrator or RBAC Administrator, or a role the library cannot name",
  fix: "grant a data-plane role (e.g. Key Vault Secrets User) on the narrowest scope instead; for a custom role, check its permissions and suppress the finding with the reason",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_role_assignment")) {
      if (!ctx.isWorkloadPrincipal(e)) continue;
      const role = grantedRole(e);
      if (role.name !== undefined) {
        if (PRIVILEGED_ROLES.has(role.name.toLowerCase())) report(e, `grants ${role.label} to a workload identity`);
      } else if (role.id !== undefined) {
        report(e, `grants role ${role.id} to a workload identity, and the library cannot tell which role that is (a custom role, one read from a data source, or a built-in role it does not list): it may carry Owner's or Contributor's permissions`);
      }
    }
  },
});
