/**
 * The role a role assignment grants, as the role rules compare it: the name written in
 * `role_definition_name`, or the built-in role a `role_definition_id` names. An id the library
 * cannot name (a custom role, a role read from a data source, a built-in role missing from the
 * registry, a name that is a Terraform expression) has no `name`, so a rule can say it could not
 * tell instead of staying silent.
 */
import { builtInRoleName } from "../../../core/built-in-roles";
import type { Element } from "../context";

export interface GrantedRole {
  /** The role's name, when written or known from its built-in id. */
  readonly name?: string;
  /** The role definition id as written (or the expression a name is given by), when the role is given that way. */
  readonly id?: string;
  /** How a finding names the role: "Owner", "Owner (<id>)", or the id the library cannot name. */
  readonly label: string;
}

export function grantedRole(e: Element): GrantedRole {
  const written = e.body.role_definition_name;
  // azurerm_role_assignment takes exactly one of role_definition_name and role_definition_id
  // (ExactlyOneOf in internal/services/authorization/role_assignment_resource.go at v4.55.0).
  if (typeof written === "string" && written !== "") return written.includes("${") ? { id: written, label: written } : { name: written, label: written };
  const id = e.body.role_definition_id;
  if (typeof id !== "string" || id === "") return { label: "an unset role" };
  const name = builtInRoleName(id);
  return name === undefined ? { id, label: id } : { name, id, label: `${name} (${id})` };
}
