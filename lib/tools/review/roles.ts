/** Role names: built-in role definition ids, and access-policy permissions as a role. */
import { list } from "./util";

export { BUILT_IN_ROLES, roleFromDefinitionId } from "../../core/built-in-roles";

/** Access-policy permission lists, by kind, as written. */
function permissionsOf(b: any): Array<[string, string[]]> {
  return (
    [
      ["secrets", list(b?.secret_permissions)],
      ["keys", list(b?.key_permissions)],
      ["certificates", list(b?.certificate_permissions)],
      ["storage", list(b?.storage_permissions)],
    ] as Array<[string, string[]]>
  ).filter(([, p]) => p.length > 0);
}

/** "access policy: secrets Get, List; keys Decrypt" (or "… secrets none"). */
export function accessPolicyRole(b: any): string {
  const perms = permissionsOf(b);
  return `access policy: ${perms.length ? perms.map(([k, p]) => `${k} ${p.join(", ")}`).join("; ") : "secrets none"}`;
}
