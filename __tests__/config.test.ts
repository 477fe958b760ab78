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
});
