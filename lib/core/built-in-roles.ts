/**
 * Azure's built-in role definitions by GUID: the registry both the guardrails and the review read a
 * `role_definition_id` through.
 */

/**
 * Built-in role definition GUIDs, the same in every tenant and cloud (Microsoft's "Azure built-in
 * roles" reference), to name a role given by `role_definition_id`.
 */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
  "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
  "8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
  "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
  "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
  "21090545-7ca7-4776-b22c-e363652d74d2": "Key Vault Reader",
  "f25e0fa2-a7c8-4377-a976-54943a77a395": "Key Vault Contributor",
  "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
  "12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
  "e147488a-f6f5-4113-8e2d-b22465e65bf6": "Key Vault Crypto Service Encryption User",
  "a4417e6f-fecd-4de8-b567-7b0420556985": "Key Vault Certificates Officer",
  "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba": "Key Vault Certificate User",
};

/** `[/subscriptions/…]/providers/Microsoft.Authorization/roleDefinitions/<guid>`, or a bare GUID. */
const ROLE_DEFINITION_ID = /(?:^|\/providers\/Microsoft\.Authorization\/roleDefinitions\/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The role a role definition id names: its built-in name, or the GUID marked unknown. */
export function roleFromDefinitionId(id: string): { role: string; guid: string } | undefined {
  const guid = ROLE_DEFINITION_ID.exec(id)?.[1]?.toLowerCase();
  if (!guid) return undefined;
  return { role: BUILT_IN_ROLES[guid] ?? `role ${guid} (unknown built-in role; check it)`, guid };
}

/** The built-in role a role definition id names, or `undefined` for an id that is not a listed built-in role's. */
export function builtInRoleName(id: string): string | undefined {
  const guid = ROLE_DEFINITION_ID.exec(id)?.[1]?.toLowerCase();
  return guid === undefined ? undefined : BUILT_IN_ROLES[guid];
}
