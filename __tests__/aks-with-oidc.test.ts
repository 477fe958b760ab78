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
    expect(role.body.description).toBe("Lets the identity running cdktf deploy manage Kubernetes objects (Azure RBAC).");
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
    // kubelogin prints a client.authentication.k8s.io/v1beta1 ExecCredential; the provider needs that api_version.
    expect(config.exec[0].apiVersion).toBe("client.authentication.k8s.io/v1beta1");
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

describe("AksWithOidc defaults and props", () => {
  test("uses the name as DNS prefix, the Free tier, a system-assigned identity and a managed OS disk", () => {
    const c = cluster().json.resource.azurerm_kubernetes_cluster;
    const body: any = Object.values(c)[0];
    expect(body).toMatchObject({ dns_prefix: "aks1", sku_tier: "Free", identity: { type: "SystemAssigned" } });
    expect(body.default_node_pool).toMatchObject({ os_disk_type: "Managed", temporary_name_for_rotation: "tmprotate" });
    expect(body.key_vault_secrets_provider).toBeUndefined();
  });

  test("passes the pool, version, tier, admin groups and tags through", () => {
    const { json } = cluster({
      dnsPrefix: "myaks",
      kubernetesVersion: "1.33",
      skuTier: "Standard",
      adminGroupObjectIds: ["00000000-0000-0000-0000-000000000001"],
      systemNodePool: { name: "sys", vmSize: "Standard_D4s_v5", nodeCount: 3, zones: ["1", "2"], osDiskType: "Ephemeral" },
      tags: { team: "platform" },
    });
    const c = only(json, "azurerm_kubernetes_cluster").body;
    expect(c).toMatchObject({ dns_prefix: "myaks", kubernetes_version: "1.33", sku_tier: "Standard", tags: { team: "platform" } });
    expect(c.azure_active_directory_role_based_access_control.admin_group_object_ids).toEqual(["00000000-0000-0000-0000-000000000001"]);
    expect(c.default_node_pool).toMatchObject({ name: "sys", vm_size: "Standard_D4s_v5", node_count: 3, zones: ["1", "2"], os_disk_type: "Ephemeral" });
  });

  test("turns the CSI add-on on with rotation every 2m by default, or as given", () => {
    expect(only(cluster({ secretsStoreCsiDriver: true }).json, "azurerm_kubernetes_cluster").body.key_vault_secrets_provider).toEqual({
      secret_rotation_enabled: true,
      secret_rotation_interval: "2m",
    });
    expect(
      only(cluster({ secretsStoreCsiDriver: { rotationEnabled: false, rotationInterval: "10m" } }).json, "azurerm_kubernetes_cluster").body
        .key_vault_secrets_provider,
    ).toEqual({ secret_rotation_enabled: false, secret_rotation_interval: "10m" });
  });

  test("reads the deployer's client config only when it needs the tenant or the deployer's object id", () => {
    const tenant = "00000000-0000-0000-0000-0000000000aa";
    const without = cluster({ tenantId: tenant, grantDeployerClusterAdmin: false }).json;
    expect(all(without, "azurerm_client_config", "data")).toEqual([]);
    expect(only(without, "azurerm_kubernetes_cluster").body.azure_active_directory_role_based_access_control.tenant_id).toBe(tenant);
    const withClient = cluster().json;
    const client = only(withClient, "azurerm_client_config", "data").name;
    expect(only(withClient, "azurerm_kubernetes_cluster").body.azure_active_directory_role_based_access_control.tenant_id).toBe(
      `\${data.azurerm_client_config.${client}.tenant_id}`,
    );
  });

  test("gives no deployer grant without Azure RBAC (nothing to grant)", () => {
    const { json, aks } = cluster({ azureRbacEnabled: false });
    expect(all(json, "azurerm_role_assignment")).toEqual([]);
    expect(aks.kubernetesReady).toBeUndefined();
  });

  test("waits rolePropagationDelay after the deployer's grant, re-waiting when the grant is replaced", () => {
    const { json, aks } = cluster({ rolePropagationDelay: "5m" });
    const role = only(json, "azurerm_role_assignment").name;
    const wait = only(json, "time_sleep").body;
    expect(wait.create_duration).toBe("5m");
    expect(wait.triggers).toEqual({ role_assignment_id: `\${azurerm_role_assignment.${role}.id}` });
    expect(aks.kubernetesReady).toBeDefined();
  });

  test("exposes the cluster's name, resource group, id and kubelet object id as references", () => {
    const { stack, aks } = cluster();
    const name = only(synth(stack), "azurerm_kubernetes_cluster").name;
    expect(resolve(stack, [aks.clusterName, aks.resourceGroupName, aks.clusterId, aks.kubeletObjectId])).toEqual([
      `\${azurerm_kubernetes_cluster.${name}.name}`,
      `\${azurerm_kubernetes_cluster.${name}.resource_group_name}`,
      `\${azurerm_kubernetes_cluster.${name}.id}`,
      `\${azurerm_kubernetes_cluster.${name}.kubelet_identity[0].object_id}`,
    ]);
  });

  test.each([
    [{ systemNodePool: { drainTimeoutInMinutes: 0 } }, /systemNodePool\.drainTimeoutInMinutes 0 must be an integer from 1 to 1440/],
    [{ secretsStoreCsiDriver: { rotationInterval: "2 minutes" } }, /secretsStoreCsiDriver\.rotationInterval "2 minutes" must be a Go duration such as "2m", "90s" or "1m30s"/],
    [{ dnsPrefix: "-bad" }, /AksWithOidc\.dnsPrefix "-bad" must be/],
    [{ systemNodePool: { name: "System" } }, /AksWithOidc\.systemNodePool\.name "System" must be lowercase letters and digits/],
    [{ systemNodePool: { nodeCount: 0 } }, /AksWithOidc\.systemNodePool\.nodeCount 0 must be an integer from 1 to 1000/],
    [{ tenantId: "tenant" }, /AksWithOidc\.tenantId "tenant" must be a GUID/],
    [{ location: "mars" }, /AksWithOidc\.location "mars" must be an Azure region/],
  ])("rejects %j", (props, message) => {
    const stack = newStack();
    new AksWithOidc(stack, "aks", { name: "aks1", resourceGroupName: "rg1", location: "eastus", ...(props as object) });
    expect(() => synth(stack)).toThrow(message);
  });

  test("fromExisting refuses names no cluster or resource group can have", () => {
    const stack = newStack();
    AksWithOidc.fromExisting(stack, "existing", { name: "-aks", resourceGroupName: "rg/1" });
    expect(() => synth(stack)).toThrow(/AksWithOidc\.fromExisting name "-aks" must be[\s\S]*AksWithOidc\.fromExisting resourceGroupName "rg\/1" must be/);
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
    expect(data.body.lifecycle.postcondition[0].error_message).toBe(
      "The AKS cluster has no OIDC issuer. Run: az aks update --resource-group <rg> --name <cluster> " +
        "--enable-oidc-issuer --enable-workload-identity (or set enableWorkloadIdentity: true).",
    );
    expect(resolve(stack, existing.oidcIssuerUrl)).toBe(`\${data.azurerm_kubernetes_cluster.${data.name}.oidc_issuer_url}`);
    expect(all(json, "azurerm_kubernetes_cluster")).toHaveLength(0);
  });

  test("a Kubernetes provider from it stops the plan on empty user credentials, naming the role to grant", () => {
    const stack = newStack();
    AksWithOidc.fromExisting(stack, "existing", { name: "aks1", resourceGroupName: "rg1" }).kubernetesProvider(stack, "k8s");
    const checks = only(synth(stack), "azurerm_kubernetes_cluster", "data").body.lifecycle.postcondition;
    expect(checks).toHaveLength(2);
    expect(checks[1].condition).toBe("${length(self.kube_config) > 0}");
    expect(checks[1].error_message).toMatch(/user credentials are empty: .*"Azure Kubernetes Service Cluster User Role" on the cluster .*"Azure Kubernetes Service RBAC Cluster Admin"/);
  });

  test("a client-certificate provider stops the plan on empty admin credentials, naming local accounts and the admin role", () => {
    const stack = newStack();
    AksWithOidc.fromExisting(stack, "existing", { name: "aks1", resourceGroupName: "rg1" }).kubernetesProvider(stack, "k8s", { method: "client-certificate" });
    const checks = only(synth(stack), "azurerm_kubernetes_cluster", "data").body.lifecycle.postcondition;
    expect(checks.map((c: any) => c.condition)).toEqual([expect.stringContaining("oidc_issuer"), "${length(self.kube_admin_config) > 0}"]);
    expect(checks[1].error_message).toMatch(/local accounts disabled, or .*"Azure Kubernetes Service Cluster Admin Role"/);
  });

  test("reading only the issuer adds no credential postcondition, and two providers add it once", () => {
    const stack = newStack();
    const existing = AksWithOidc.fromExisting(stack, "existing", { name: "aks1", resourceGroupName: "rg1" });
    expect(only(synth(stack), "azurerm_kubernetes_cluster", "data").body.lifecycle.postcondition).toHaveLength(1);
    existing.kubernetesProviderConfig();
    existing.kubernetesProviderConfig({ loginMode: "workloadidentity" });
    expect(only(synth(stack), "azurerm_kubernetes_cluster", "data").body.lifecycle.postcondition).toHaveLength(2);
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
