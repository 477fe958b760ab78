/** How strong a grant is, and which grants the review marks as privileged. */
import { BUILT_IN_ROLES, Grant } from "./model";

/** Access-policy permissions a workload that reads secrets needs; anything beyond is privileged. */
const READ_SECRETS = /^access policy: secrets ((Get|List)(, (Get|List))*|none)$/i;

/** Rough strength of a role for "new or stronger role" (higher grants more). */
export function roleRank(role: string): number {
  const ranks: Array<[RegExp, number]> = [
    // A role definition id that is not a known built-in role could grant anything.
    [/\(unknown built-in role; check it\)$/, 80],
    [/^Owner$/i, 100],
    [/^(User Access Administrator|Role Based Access Control Administrator)$/i, 90],
    [/^Contributor$/i, 80],
    [/^member of /i, 70],
    // Manages the vault, access policies included: it can grant itself every secret.
    [/^Key Vault Contributor$/i, 70],
    [/Administrator/i, 60],
    [/^access policy: .*(keys|certificates|storage|Set|Delete|Purge|Recover|Restore|Backup)/i, 60],
    [/Officer|Contributor/i, 50],
    [/Secrets User|access policy: .*Get/i, 30],
    [/Reader|List/i, 10],
  ];
  return ranks.find(([re]) => re.test(role))?.[1] ?? 20;
}

/** Roles at or above Contributor, and every *Administrator* role, rank at least this. */
export const PRIVILEGED_RANK = 60;

/**
 * Why a grant is privileged (Owner, User Access Administrator, Role Based Access Control
 * Administrator, Contributor, any *Administrator*, an unknown role definition id, an access
 * policy beyond secrets Get/List, an Entra group membership), worst on a whole subscription or
 * resource group; undefined for other grants.
 */
export function privilegeNote(g: Grant): string | undefined {
  if (g.kind === "access-policy") return READ_SECRETS.test(g.role) ? undefined : "access policy beyond secrets Get/List";
  if (g.kind === "group") return "Entra group membership: the identity gets every role the group has, which this review does not show";
  if (roleRank(g.role) < PRIVILEGED_RANK) return undefined;
  const where = g.scopeLevel === "subscription" ? " on a whole subscription" : g.scopeLevel === "resource-group" ? " on a whole resource group" : "";
  return g.roleDefinitionId && !BUILT_IN_ROLES[g.roleDefinitionId]
    ? `unknown role ${g.roleDefinitionId} treated as privileged${where}`
    : `privileged role ${g.role}${where}`;
}
