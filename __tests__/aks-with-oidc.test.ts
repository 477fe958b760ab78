import { AksWithOidc } from "../lib";
import { all, newStack, only, resolve, synth } from "./support/helpers";

function cluster(overrides: Partial<ConstructorParameters<typeof AksWithOidc>[2]> = {}) {
  const stack = newStack();
  const aks = new AksWithOidc(stack, "aks", { name: "aks1", resourceGroupName: "rg1", location: "eastus", ...overrides });
  return { stack, aks, json: synth(stack) };
}

describe("AksWithOidc", () => {
  test("turns on the OIDC issuer and workload identity", () => {
    const { json } = cluster();
    const c = only(json, "azurerm_kubernetes_cluster").body;
    expect(c.oidc_issuer_enabled).toBe(true);
    expect(c.workload_identity_enabled).toBe(true);
  });

  test("has no prop that could turn the OIDC issuer or workload identity off", () => {
    const { json } = cluster({ ...({ oidcIssuerEnabled: false, workloadIdentityEnabled: false } as object) });
    const c = only(json, "azurerm_kubernetes_cluster").body;
    expect([c.oidc_issuer_enabled, c.workload_identity_enabled]).toEqual([true, true]);
  });

  test("defaults to Azure AD with Azure RBAC and local accounts disabled", () => {
    const { json } = cluster();
    const c = only(json, "azurerm_kubernetes_cluster").body;
    expect(c.local_account_disabled).toBe(true);
    expect(c.azure_active_directory_role_based_access_control.azure_rbac_enabled).toBe(true);
    expect(c.role_based_access_control_enabled).toBe(true);
  });

  test("defaults to a two-node system pool", () => {
    const { json } = cluster();
    const pool = only(json, "azurerm_kubernetes_cluster").body.default_node_pool;
    expect(pool).toMatchObject({ name: "system", node_count: 2, vm_size: "Standard_D2s_v3" });
  });

  test("exposes the issuer URL as a reference to the cluster attribute", () => {
    const { stack, aks } = cluster();
    const name = only(synth(stack), "azurerm_kubernetes_cluster").name;
    expect(resolve(stack, aks.oidcIssuerUrl)).toBe(`\${azurerm_kubernetes_cluster.${name}.oidc_issuer_url}`);
  });

  test("grants the deployer cluster admin and waits for it to propagate", () => {
    const { json } = cluster();
    const role = only(json, "azurerm_role_assignment");
    expect(role.body.role_definition_name).toBe("Azure Kubernetes Service RBAC Cluster Admin");
    expect(role.body.principal_id).toMatch(/data\.azurerm_client_config\..*\.object_id/);
    const sleep = only(json, "time_sleep").body;
    expect(sleep.depends_on).toContain(`azurerm_role_assignment.${role.name}`);
    expect(sleep.create_duration).toBe("90s");
  });

  test("skips the deployer grant when asked", () => {
    const { json } = cluster({ grantDeployerClusterAdmin: false });
    expect(all(json, "azurerm_role_assignment")).toHaveLength(0);
    expect(all(json, "time_sleep")).toHaveLength(0);
  });

  test("configures the Kubernetes provider with kubelogin by default", () => {
    const { aks, stack } = cluster();
    const config = resolve(stack, aks.kubernetesProviderConfig());
    expect(config.exec[0].command).toBe("kubelogin");
    expect(config.exec[0].args).toEqual(["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]);
    expect(config.host).toMatch(/kube_config\[0\]\.host/);
    expect(config.clientCertificate).toBeUndefined();
  });

  test("offers the client-certificate path for clusters with local accounts", () => {
    const { aks, stack } = cluster({ localAccountDisabled: false, azureRbacEnabled: false });
    const config = resolve(stack, aks.kubernetesProviderConfig({ method: "client-certificate" }));
    expect(config.exec).toBeUndefined();
    expect(config.clientCertificate).toMatch(/base64decode\(.*kube_admin_config\[0\]\.client_certificate\)/);
    expect(config.host).toMatch(/kube_admin_config\[0\]\.host/);
  });
});

describe("AksWithOidc.fromExisting", () => {
  test("reads the cluster through a data source with an OIDC postcondition", () => {
    const stack = newStack();
    const existing = AksWithOidc.fromExisting(stack, "existing", { name: "aks1", resourceGroupName: "rg1" });
    const json = synth(stack);
    const data = only(json, "azurerm_kubernetes_cluster", "data");
    expect(data.body).toMatchObject({ name: "aks1", resource_group_name: "rg1" });
    expect(data.body.lifecycle.postcondition[0].condition).toContain("self.oidc_issuer_enabled");
    expect(data.body.lifecycle.postcondition[0].error_message).toContain("--enable-oidc-issuer --enable-workload-identity");
    expect(resolve(stack, existing.oidcIssuerUrl)).toBe(`\${data.azurerm_kubernetes_cluster.${data.name}.oidc_issuer_url}`);
    expect(all(json, "azurerm_kubernetes_cluster")).toHaveLength(0);
  });

  test("can run az aks update before reading, when asked", () => {
    const stack = newStack();
    AksWithOidc.fromExisting(stack, "existing", { name: "aks1", resourceGroupName: "rg1", enableWorkloadIdentity: true });
    const json = synth(stack);
    const step = only(json, "terraform_data");
    expect(step.body.provisioner[0]["local-exec"].command).toContain("az aks update");
    expect(step.body.provisioner[0]["local-exec"].command).toContain("--enable-oidc-issuer --enable-workload-identity");
    expect(only(json, "azurerm_kubernetes_cluster", "data").body.depends_on).toEqual([`terraform_data.${step.name}`]);
  });

  test("runs the az aks update step again only for another cluster, and passes its names as environment", () => {
    const stack = newStack();
    AksWithOidc.fromExisting(stack, "existing", { name: "aks1", resourceGroupName: "rg1", enableWorkloadIdentity: true });
    const step = only(synth(stack), "terraform_data").body;
    expect(step.triggers_replace).toEqual({ name: "aks1", resource_group: "rg1" });
    expect(step.provisioner[0]["local-exec"].environment).toEqual({ RG: "rg1", NAME: "aks1" });
    expect(step.provisioner[0]["local-exec"].command).toContain('--resource-group "$RG" --name "$NAME"');
  });

  test("reads without an update step unless enableWorkloadIdentity is set", () => {
    const stack = newStack();
    AksWithOidc.fromExisting(stack, "existing", { name: "aks1", resourceGroupName: "rg1" });
    const json = synth(stack);
    expect(all(json, "terraform_data")).toEqual([]);
    expect(only(json, "azurerm_kubernetes_cluster", "data").body.depends_on).toBeUndefined();
  });
});
