import { environmentThenContext, loadConfig } from "../stacks";

describe("loadConfig", () => {
  test("works with nothing set", () => {
    const config = loadConfig(() => undefined);
    expect(config).toMatchObject({
      serviceAccountNamespace: "default",
      serviceAccountName: "workload-identity-sa",
      keyVaultSecretName: "my-secret",
      keyVaultPermissionModel: "rbac",
      keyVaultGrantScope: "secret",
      stackLayout: "two-stacks",
    });
  });

  test("prefers the environment over context", () => {
    const lookup = environmentThenContext({ AKS_NAME: "from-env" }, (n) => ({ AKS_NAME: "from-context", RG_NAME: "rg-ctx" })[n]);
    const config = loadConfig(lookup);
    expect(config.aksName).toBe("from-env");
    expect(config.resourceGroupName).toBe("rg-ctx");
  });

  test("an unknown region's error advises the setting the app reads, which then accepts it", () => {
    expect(() => loadConfig((n) => ({ LOCATION: "marsnorth" })[n])).toThrow(/LOCATION "marsnorth" .*add it with the AZURE_ADDITIONAL_REGIONS setting/);
    expect(loadConfig((n) => ({ LOCATION: "marsnorth", AZURE_ADDITIONAL_REGIONS: "marsnorth" })[n]).location).toBe("marsnorth");
  });

  test("kubelogin reads the azurerm provider's ARM_* variables unless KUBELOGIN_ENV=azure", () => {
    expect(loadConfig(() => undefined).kubeloginEnvironment).toBe("azurerm");
    expect(loadConfig((n) => ({ KUBELOGIN_ENV: "azure" })[n]).kubeloginEnvironment).toBe("azure");
  });

  test("defaults the grant scope to the vault for access-policy vaults", () => {
    expect(loadConfig((n) => ({ KEYVAULT_PERMISSION_MODEL: "access-policy" })[n]).keyVaultGrantScope).toBe("vault");
  });

  test("names the variable, the value and the allowed choices", () => {
    expect(() => loadConfig((n) => ({ K8S_AUTH: "token" })[n])).toThrow(
      'K8S_AUTH "token" must be one of: kubelogin, client-certificate',
    );
  });

  test("rejects a non-integer number setting, naming it", () => {
    expect(() => loadConfig((n) => ({ AKS_NODE_COUNT: "two" })[n])).toThrow('AKS_NODE_COUNT "two" must be an integer from 1 to 1000');
  });

  test("reports every bad setting at once", () => {
    let message = "";
    try {
      loadConfig((n) => ({ AKS_NODE_COUNT: "0", STACK_LAYOUT: "three" })[n]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("AKS_NODE_COUNT");
    expect(message).toContain("STACK_LAYOUT");
  });

  test.each([
    ["KEYVAULT_NAME", "my--vault", /KEYVAULT_NAME "my--vault" must not contain consecutive hyphens/],
    ["KEYVAULT_SECRET_NAME", "my_secret", /KEYVAULT_SECRET_NAME "my_secret" must be letters, digits and '-' only/],
    ["RG_NAME", "rg.", /RG_NAME "rg\." must not end with '\.'/],
    ["AKS_NAME", "aks_cluster", /AKS_NAME "aks_cluster" must be letters, digits and '-'.*AKS DNS prefix/],
    ["SERVICE_ACCOUNT_NAMESPACE", "kube-system", /SERVICE_ACCOUNT_NAMESPACE "kube-system" is ignored by the workload identity webhook/],
    ["SERVICE_ACCOUNT_NAME", "Workload_SA", /SERVICE_ACCOUNT_NAME "Workload_SA" must be a DNS-1123 subdomain/],
    ["USER_ASSIGNED_IDENTITY_NAME", "my identity", /USER_ASSIGNED_IDENTITY_NAME "my identity"/],
    ["FEDERATED_IDENTITY_CREDENTIAL_NAME", "-fic", /FEDERATED_IDENTITY_CREDENTIAL_NAME "-fic"/],
    ["LOCATION", "atlantis", /LOCATION "atlantis" must be an Azure region/],
    ["LOCATION", "malaysiasouth", /LOCATION "malaysiasouth" is a region where user-assigned managed identities cannot hold federated identity credentials/],
  ])("maps a bad %s onto its rule and names the variable", (name, value, message) => {
    expect(() => loadConfig((n) => (n === name ? value : undefined))).toThrow(message);
  });

  test("lets UNSUPPORTED_FIC_REGIONS replace the built-in list", () => {
    expect(loadConfig((n) => ({ LOCATION: "malaysiasouth", UNSUPPORTED_FIC_REGIONS: "eastasia" })[n]).location).toBe("malaysiasouth");
    expect(() => loadConfig((n) => ({ LOCATION: "eastasia", UNSUPPORTED_FIC_REGIONS: "eastasia, qatarcentral" })[n])).toThrow(/LOCATION "eastasia"/);
  });

  test("rejects a secret-scoped grant on an access-policy vault", () => {
    expect(() => loadConfig((n) => ({ KEYVAULT_PERMISSION_MODEL: "access-policy", KEYVAULT_GRANT_SCOPE: "secret" })[n])).toThrow(
      /KEYVAULT_GRANT_SCOPE "secret" cannot be used with KEYVAULT_PERMISSION_MODEL "access-policy"/,
    );
  });

  test("rejects client-certificate auth while local accounts are disabled", () => {
    expect(() => loadConfig((n) => ({ K8S_AUTH: "client-certificate" })[n])).toThrow(/K8S_AUTH "client-certificate" needs AKS_LOCAL_ACCOUNTS "enabled"/);
    expect(loadConfig((n) => ({ K8S_AUTH: "client-certificate", AKS_LOCAL_ACCOUNTS: "enabled" })[n]).kubernetesAuth).toBe("client-certificate");
  });
});
