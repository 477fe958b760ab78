import { FederatedWorkload, KeyVaultSecretAccess, ManagedIdentity, WorkloadKeyVault } from "../lib";
import { all, newStack, only, resolve, synth } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";

function setup(vaultProps: Partial<ConstructorParameters<typeof WorkloadKeyVault>[2]> = {}) {
  const stack = newStack();
  const vault = new WorkloadKeyVault(stack, "kv", { name: "kv-test-1", resourceGroupName: "rg1", location: "eastus", ...vaultProps });
  const workload = new FederatedWorkload(stack, "app", {
    issuer: ISSUER,
    serviceAccountName: "sa",
    resourceGroupName: "rg1",
    location: "eastus",
  });
  return { stack, vault, workload };
}

describe("WorkloadKeyVault", () => {
  test("defaults to RBAC authorization, purge protection and 90-day soft delete", () => {
    const { stack } = setup();
    const kv = only(synth(stack), "azurerm_key_vault").body;
    expect(kv).toMatchObject({ rbac_authorization_enabled: true, purge_protection_enabled: true, soft_delete_retention_days: 90 });
    expect(kv.network_acls).toBeUndefined();
  });

  test("restricts the network when rules are given", () => {
    const { stack } = setup({ networkRules: { ipRules: ["203.0.113.4/32"] } });
    expect(only(synth(stack), "azurerm_key_vault").body.network_acls).toEqual({
      default_action: "Deny",
      bypass: "AzureServices",
      ip_rules: ["203.0.113.4/32"],
    });
  });

  test("gives the deployer Key Vault Secrets Officer in RBAC mode", () => {
    const { stack } = setup();
    const role = only(synth(stack), "azurerm_role_assignment").body;
    expect(role.role_definition_name).toBe("Key Vault Secrets Officer");
    expect(role.principal_id).toMatch(/azurerm_client_config.*object_id/);
  });

  test("gives the deployer an access policy in access-policy mode", () => {
    const { stack } = setup({ permissionModel: "access-policy" });
    const json = synth(stack);
    expect(all(json, "azurerm_role_assignment")).toHaveLength(0);
    expect(only(json, "azurerm_key_vault_access_policy").body.secret_permissions).toContain("Set");
    expect(only(json, "azurerm_key_vault").body.rbac_authorization_enabled).toBe(false);
  });
});

describe("KeyVaultSecretAccess", () => {
  test("writes the secret with value_wo from a sensitive, ephemeral variable", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "my-secret" }] });
    const json = synth(stack);
    const secret = only(json, "azurerm_key_vault_secret").body;
    expect(secret.value).toBeUndefined();
    expect(secret.value_wo).toBe("${var.keyvault_secret_my_secret}");
    expect(secret.value_wo_version).toBe(1);
    expect(json.variable.keyvault_secret_my_secret).toMatchObject({ sensitive: true, ephemeral: true, type: "string" });
  });

  test("grants Key Vault Secrets User on the secret by default", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "my-secret" }] });
    const json = synth(stack);
    const secret = only(json, "azurerm_key_vault_secret").name;
    const identity = only(json, "azurerm_user_assigned_identity").name;
    const grant = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "Key Vault Secrets User")!;
    expect(grant.body.scope).toBe(`\${azurerm_key_vault_secret.${secret}.resource_versionless_id}`);
    expect(grant.body.principal_id).toBe(`\${azurerm_user_assigned_identity.${identity}.principal_id}`);
    expect(grant.body.principal_type).toBe("ServicePrincipal");
  });

  test("grants on the vault when asked", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "a" }, { name: "b" }], grantScope: "vault" });
    const json = synth(stack);
    const kv = only(json, "azurerm_key_vault").name;
    const grants = all(json, "azurerm_role_assignment").filter((r) => r.body.role_definition_name === "Key Vault Secrets User");
    expect(grants.map((g) => g.body.scope)).toEqual([`\${azurerm_key_vault.${kv}.id}`]);
  });

  test("uses an access policy with get on secrets for access-policy vaults", () => {
    const { stack, vault, workload } = setup({ permissionModel: "access-policy" });
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "my-secret" }] });
    const json = synth(stack);
    const identity = only(json, "azurerm_user_assigned_identity").name;
    const policy = all(json, "azurerm_key_vault_access_policy").find((p) => p.body.object_id.includes("user_assigned_identity"))!;
    expect(policy.body.secret_permissions).toEqual(["Get"]);
    expect(policy.body.object_id).toBe(`\${azurerm_user_assigned_identity.${identity}.principal_id}`);
    expect(all(json, "azurerm_role_assignment")).toHaveLength(0);
  });

  test("writes secrets only after the deployer's grant has propagated", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "my-secret" }] });
    const json = synth(stack);
    const wait = all(json, "time_sleep").find((s) => s.body.triggers.grant_id)!;
    expect(only(json, "azurerm_key_vault_secret").body.depends_on).toEqual([`time_sleep.${wait.name}`]);
  });

  test("makes the workload's pods wait for the grant", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "my-secret" }] });
    const json = synth(stack);
    const grant = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "Key Vault Secrets User")!;
    const wait = all(json, "time_sleep").find((s) => s.body.triggers.federated_credential_id)!;
    expect(wait.body.depends_on).toContain(`azurerm_role_assignment.${grant.name}`);
  });

  test("grants an existing secret without creating it", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "old", existing: true }] });
    const json = synth(stack);
    const kv = only(json, "azurerm_key_vault").name;
    expect(all(json, "azurerm_key_vault_secret")).toHaveLength(0);
    const grant = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "Key Vault Secrets User")!;
    expect(grant.body.scope).toBe(`\${azurerm_key_vault.${kv}.id}/secrets/old`);
  });

  test("creates a new vault from props", () => {
    const stack = newStack();
    const identity = ManagedIdentity.fromAttributes(stack, "id", {
      identityId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-x",
      clientId: "11111111-1111-1111-1111-111111111111",
      principalId: "22222222-2222-2222-2222-222222222222",
      tenantId: "33333333-3333-3333-3333-333333333333",
    });
    new KeyVaultSecretAccess(stack, "access", {
      workload: identity,
      vault: { name: "kv-new-1", resourceGroupName: "rg1", location: "eastus" },
      secrets: [{ name: "s1", value: "${var.x}" }],
    });
    const json = synth(stack);
    expect(only(json, "azurerm_key_vault").body.name).toBe("kv-new-1");
    expect(only(json, "azurerm_key_vault_secret").body.value_wo).toBe("${var.x}");
  });

  test("hands the pod KEYVAULT_URL and SECRET_NAME", () => {
    const { stack, vault, workload } = setup();
    const access = new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "my-secret" }] });
    const json = synth(stack);
    const kv = only(json, "azurerm_key_vault").name;
    expect(resolve(stack, access.podEnvironment())).toEqual({
      KEYVAULT_URL: `\${azurerm_key_vault.${kv}.vault_uri}`,
      SECRET_NAME: "my-secret",
    });
  });

  test("names the value variable after the secret, lower-cased with '-' as '_'", () => {
    const { stack, vault, workload } = setup();
    const access = new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "DB-Password" }] });
    const json = synth(stack);
    expect(Object.keys(json.variable)).toEqual(["keyvault_secret_db_password"]);
    expect(Object.keys(access.valueVariables)).toEqual(["DB-Password"]);
  });

  test("refuses a second value variable of the same name in one stack, asking for an explicit value", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "one", { workload, vault, secrets: [{ name: "db" }] });
    expect(() => new KeyVaultSecretAccess(stack, "two", { workload, vault, secrets: [{ name: "db" }] })).toThrow(
      /a variable named keyvault_secret_db already exists in stack test; pass the value of secret "db" explicitly as `value`/,
    );
  });

  test("writes a new value when valueVersion is bumped, and passes content type and expiry through", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", {
      workload,
      vault,
      secrets: [{ name: "db", valueVersion: 3, contentType: "text/plain", expirationDate: "2027-01-01T00:00:00Z" }],
    });
    const secret = only(synth(stack), "azurerm_key_vault_secret").body;
    expect(secret).toMatchObject({ value_wo_version: 3, content_type: "text/plain", expiration_date: "2027-01-01T00:00:00Z" });
  });

  test("describes each grant by what it reads", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "one", { workload, vault, secrets: [{ name: "a" }] });
    new KeyVaultSecretAccess(stack, "all", { workload, vault, secrets: [{ name: "b" }], grantScope: "vault" });
    const descriptions = all(synth(stack), "azurerm_role_assignment")
      .filter((r) => r.body.role_definition_name === "Key Vault Secrets User")
      .map((r) => r.body.description)
      .sort();
    expect(descriptions).toEqual(["Workload identity reads all secrets of the vault.", "Workload identity reads secret a."]);
  });

  test("grants the principal itself when given one instead of a workload", () => {
    const stack = newStack();
    const vault = new WorkloadKeyVault(stack, "kv", { name: "kv-test-1", resourceGroupName: "rg1", location: "eastus" });
    const identity = ManagedIdentity.fromAttributes(stack, "id", {
      identityId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-x",
      clientId: "11111111-1111-1111-1111-111111111111",
      principalId: "11111111-2222-3333-4444-555555555555",
      tenantId: "33333333-3333-3333-3333-333333333333",
    });
    new KeyVaultSecretAccess(stack, "access", { workload: identity, vault, secrets: [{ name: "db" }] });
    const grant = all(synth(stack), "azurerm_role_assignment").find((r) => r.body.role_definition_name === "Key Vault Secrets User")!;
    expect(grant.body.principal_id).toBe("11111111-2222-3333-4444-555555555555");
  });

  test("podEnvironment names the secret asked for, and refuses one that is not granted here", () => {
    const { stack, vault, workload } = setup();
    const access = new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "a" }, { name: "b" }] });
    expect(access.podEnvironment("b").SECRET_NAME).toBe("b");
    expect(access.podEnvironment().SECRET_NAME).toBe("a");
    expect(() => access.podEnvironment("c")).toThrow(/no secret named "c" is granted here/);
  });

  test("pinnedEnvironment pins the version this deploy writes, or the given version of an existing secret", () => {
    const { stack, vault, workload } = setup();
    const access = new KeyVaultSecretAccess(stack, "access", {
      workload,
      vault,
      secrets: [{ name: "new" }, { name: "old", existing: true, version: "0123456789abcdef0123456789abcdef" }, { name: "loose", existing: true }],
    });
    const env = access.pinnedEnvironment("new");
    const json = synth(stack);
    const kv = only(json, "azurerm_key_vault").name;
    const secret = only(json, "azurerm_key_vault_secret").name;
    const pinned = only(json, "terraform_data").name;
    expect(only(json, "terraform_data").body.input).toBe(`\${azurerm_key_vault_secret.${secret}.version}`);
    expect(resolve(stack, env)).toEqual({
      KEY_VAULT_NAME: `\${azurerm_key_vault.${kv}.name}`,
      SECRET_NAME: "new",
      VERSION_ID: `\${terraform_data.${pinned}.output}`,
    });
    expect(access.pinnedEnvironment("old").VERSION_ID).toBe("0123456789abcdef0123456789abcdef");
    expect(() => access.pinnedEnvironment("loose")).toThrow(/secret "loose" is existing and has no `version` to pin/);
  });

  test("exposes its grants as resources", () => {
    const { stack, vault, workload } = setup();
    const access = new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "a" }, { name: "b" }] });
    expect(access.grantResources).toHaveLength(2);
    expect(access.grantResources).toEqual(access.grants);
    expect(access.grantScope).toBe("secret");
  });
});

describe("KeyVaultSecretAccess props", () => {
  const HEX = "0123456789abcdef0123456789abcdef";
  const refusal = (secrets: any[], vaultProps: Partial<ConstructorParameters<typeof WorkloadKeyVault>[2]> = {}, grantScope?: "secret" | "vault") => {
    const { stack, vault, workload } = setup(vaultProps);
    let message = "";
    try {
      new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets, grantScope });
      synth(stack);
    } catch (e) {
      message = (e as Error).message;
    }
    return message;
  };

  test("refuses an empty list of secrets", () => {
    expect(refusal([])).toMatch(/KeyVaultSecretAccess\.secrets is empty; grant at least one secret/);
  });

  test("refuses a secret listed twice", () => {
    expect(refusal([{ name: "db" }, { name: "db" }])).toMatch(/KeyVaultSecretAccess secret name "db" is listed twice/);
  });

  test("accepts a 32-hex-character version of an existing secret", () => {
    expect(refusal([{ name: "db", existing: true, version: HEX }])).toBe("");
  });

  test.each([`x${HEX}`, `${HEX}x`, HEX.toUpperCase().slice(0, 31)])("refuses the version %s, naming the rule", (version) => {
    expect(refusal([{ name: "db", existing: true, version }])).toMatch(
      new RegExp(`KeyVaultSecretAccess secret "db" version "${version}" must be a 32-character Key Vault version id`),
    );
  });

  test("refuses a version on a new secret (the deploy writes the version)", () => {
    expect(refusal([{ name: "db", version: HEX }])).toMatch(/secret "db" is new, so its version is the one this deploy writes; drop `version`/);
  });

  test("refuses a value on an existing secret", () => {
    expect(refusal([{ name: "db", existing: true, value: "x" }])).toMatch(/secret "db" is marked existing but has a value; drop one of them/);
  });

  test.each(["2027-01-01T00:00:00Z", "2028-02-29T23:59:59Z"])("accepts the expiry %s (UTC, whole seconds: what azurerm reads back)", (expirationDate) => {
    expect(refusal([{ name: "db", expirationDate }])).toBe("");
  });

  test.each([
    ["2027-01-01T00:00:00.000Z", "2027-01-01T00:00:00Z is the same instant"],
    ["2027-01-01T01:00:00+01:00", "2027-01-01T00:00:00Z is the same instant"],
    ["2027-01-01T00:00:00.5Z", "2027-01-01T00:00:00Z is the same instant, less the fraction"],
    ["2027-02-30T00:00:00Z", "2027-03-02T00:00:00Z is the same instant"],
    ["next year", ""],
  ])("refuses the expiry %s, which azurerm would read back in another spelling on every plan", (expirationDate, hint) => {
    const message = refusal([{ name: "db", expirationDate }]);
    expect(message).toContain(
      `KeyVaultSecretAccess secret "db" expirationDate ${JSON.stringify(expirationDate)} must be an RFC 3339 time in UTC with whole seconds, such as "2027-01-01T00:00:00Z"`,
    );
    if (hint) expect(message).toContain(`(${hint})`);
    else expect(message).not.toContain("same instant");
  });

  test("refuses the props of a written secret on an existing one, where they would be ignored", () => {
    expect(refusal([{ name: "db", existing: true, contentType: "text/plain", expirationDate: "2027-01-01T00:00:00Z", valueVersion: 2 }])).toMatch(
      /KeyVaultSecretAccess secret "db" is marked existing, so contentType, expirationDate, valueVersion would be ignored \(only secrets this construct writes take them\); drop them/,
    );
  });

  test("refuses a valueVersion below 1", () => {
    expect(refusal([{ name: "db", valueVersion: 0 }])).toMatch(/KeyVaultSecretAccess secret "db" valueVersion 0 must be/);
  });

  test("refuses a per-secret grant on an access-policy vault, saying what works", () => {
    expect(refusal([{ name: "db" }], { permissionModel: "access-policy" }, "secret")).toMatch(
      /grantScope "secret" is impossible on an access-policy vault: access policies apply to the whole vault; use grantScope "vault" or an RBAC vault/,
    );
  });

  test("defaults the grant scope to the secret on an RBAC vault and to the vault on an access-policy vault", () => {
    const rbac = setup();
    expect(new KeyVaultSecretAccess(rbac.stack, "access", { workload: rbac.workload, vault: rbac.vault, secrets: [{ name: "db" }] }).grantScope).toBe("secret");
    const policy = setup({ permissionModel: "access-policy" });
    expect(new KeyVaultSecretAccess(policy.stack, "access", { workload: policy.workload, vault: policy.vault, secrets: [{ name: "db" }] }).grantScope).toBe("vault");
  });

  test("keeps stable resource addresses: a grant is named after its secret, or after the vault when vault-wide", () => {
    const perSecret = setup();
    new KeyVaultSecretAccess(perSecret.stack, "access", { workload: perSecret.workload, vault: perSecret.vault, secrets: [{ name: "db" }, { name: "api" }] });
    const names = (json: any) => all(json, "azurerm_role_assignment").map((r) => r.name.replace(/_[0-9A-F]{8}$/, "")).filter((n) => n.startsWith("access_"));
    expect(names(synth(perSecret.stack)).sort()).toEqual(["access_secrets-user-api", "access_secrets-user-db"]);
    const vaultWide = setup();
    new KeyVaultSecretAccess(vaultWide.stack, "access", { workload: vaultWide.workload, vault: vaultWide.vault, secrets: [{ name: "db" }], grantScope: "vault" });
    expect(names(synth(vaultWide.stack))).toEqual(["access_secrets-user-vault"]);
  });

  test("declares the value variable sensitive, non-nullable and documented", () => {
    const { stack, vault, workload } = setup();
    new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "db" }] });
    expect(synth(stack).variable.keyvault_secret_db).toMatchObject({
      type: "string",
      sensitive: true,
      nullable: false,
      ephemeral: true,
      description: "Value of Key Vault secret db; written with value_wo, never stored in state.",
    });
  });

  test("says how to pin an existing secret that has no version", () => {
    const { stack, vault, workload } = setup();
    const access = new KeyVaultSecretAccess(stack, "access", { workload, vault, secrets: [{ name: "loose", existing: true }] });
    expect(() => access.pinnedEnvironment()).toThrow(/give its version \(the last part of the secret's id\), or use podEnvironment\(\)/);
  });
});
