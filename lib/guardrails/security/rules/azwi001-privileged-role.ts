import { defineSecurityRule } from "../rule";

const PRIVILEGED_ROLES = new Set(["owner", "contributor", "user access administrator", "role based access control administrator"]);
/** The same roles by built-in role definition GUID. */
const PRIVILEGED_ROLE_IDS = [
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
  "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // User Access Administrator
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168", // Role Based Access Control Administrator
];

export default defineSecurityRule({
  id: "AZWI001",
  severity: "error",
  title: "A workload identity holds Owner, Contributor, User Access Administrator or RBAC Administrator",
  fix: "grant a data-plane role (e.g. Key Vault Secrets User) on the narrowest scope instead",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_role_assignment")) {
      if (!ctx.isWorkloadPrincipal(e)) continue;
      const role = String(e.body.role_definition_name ?? "");
      // Stryker disable next-line StringLiteral: an unset id is compared by its ending with a definition's GUID, which no stand-in text has
      const roleId = String(e.body.role_definition_id ?? "");
      if (PRIVILEGED_ROLES.has(role.toLowerCase()) || PRIVILEGED_ROLE_IDS.some((id) => roleId.toLowerCase().endsWith(id))) {
        report(e, `grants ${role || roleId} to a workload identity`);
      }
    }
  },
});
