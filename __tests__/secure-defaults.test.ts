import { App } from "cdktf";
import { AksWithOidc, FederatedWorkload, KeyVaultSecretAccess, WorkloadIdentityChecks, WorkloadKeyVault } from "../lib";
import { all, newStack, only, synth } from "./support/helpers";

describe("secure defaults and their opt-outs", () => {
  const cluster = (props = {}) => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", ...props });
    return only(synth(s), "azurerm_kubernetes_cluster").body;
  };
  const vault = (props = {}) => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-1", resourceGroupName: "rg", location: "eastus", ...props });
    return only(synth(s), "azurerm_key_vault").body;
  };
  const container = (props = {}) => {
    const s = newStack();
    const w = new FederatedWorkload(s, "w", { issuer: "https://i.example.com/", serviceAccountName: "sa", resourceGroupName: "rg", location: "eastus" });
    w.addPod("p", { name: "p", containers: [{ name: "c", image: "i", ...props }] });
    return only(synth(s), "kubernetes_pod_v1").body.spec;
  };

  test("local accounts are off unless localAccountDisabled: false", () => {
    expect(cluster().local_account_disabled).toBe(true);
    expect(cluster({ localAccountDisabled: false }).local_account_disabled).toBe(false);
  });

  test("Azure RBAC is on unless azureRbacEnabled: false", () => {
    expect(cluster().azure_active_directory_role_based_access_control.azure_rbac_enabled).toBe(true);
    expect(cluster({ azureRbacEnabled: false }).azure_active_directory_role_based_access_control.azure_rbac_enabled).toBe(false);
  });

  test("the vault uses RBAC authorization unless permissionModel: access-policy", () => {
    expect(vault().rbac_authorization_enabled).toBe(true);
    expect(vault({ permissionModel: "access-policy" }).rbac_authorization_enabled).toBe(false);
  });

  test("purge protection is on unless purgeProtectionEnabled: false", () => {
    expect(vault().purge_protection_enabled).toBe(true);
    expect(vault({ purgeProtectionEnabled: false }).purge_protection_enabled).toBe(false);
  });

  test("soft-delete retention is 90 days unless softDeleteRetentionDays is set", () => {
    expect(vault().soft_delete_retention_days).toBe(90);
    expect(vault({ softDeleteRetentionDays: 7 }).soft_delete_retention_days).toBe(7);
  });

  test("the vault's network is open (authorization only) unless networkRules is set", () => {
    expect(vault().network_acls).toBeUndefined();
    const subnet = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks";
    expect(vault({ networkRules: { subnetIds: [subnet], allowAzureServices: false } }).network_acls).toEqual({
      default_action: "Deny",
      bypass: "None",
      virtual_network_subnet_ids: [subnet],
    });
  });

  test("the read is granted on the secret unless grantScope: vault", () => {
    const s = newStack();
    const w = new FederatedWorkload(s, "w", { issuer: "https://i.example.com/", serviceAccountName: "sa", resourceGroupName: "rg", location: "eastus" });
    new KeyVaultSecretAccess(s, "a", { workload: w, vault: { name: "kv-1", resourceGroupName: "rg", location: "eastus", grantDeployer: false }, secrets: [{ name: "x" }] });
    expect(only(synth(s), "azurerm_role_assignment").body.scope).toMatch(/azurerm_key_vault_secret\..*\.resource_versionless_id/);
  });

  test("containers run as non-root, read-only, without privilege escalation, with all capabilities dropped", () => {
    const spec = container();
    expect(spec.security_context).toEqual({ run_as_non_root: true, seccomp_profile: { type: "RuntimeDefault" } });
    expect(spec.container[0].security_context).toEqual({
      run_as_non_root: true,
      run_as_user: "65532",
      read_only_root_filesystem: true,
      allow_privilege_escalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    });
  });

  test("each container default can be turned off explicitly", () => {
    const spec = container({ runAsNonRoot: false, runAsUser: "0", readOnlyRootFilesystem: false, allowPrivilegeEscalation: true });
    expect(spec.security_context.run_as_non_root).toBe(false);
    expect(spec.container[0].security_context).toMatchObject({
      run_as_non_root: false,
      run_as_user: "0",
      read_only_root_filesystem: false,
      allow_privilege_escalation: true,
    });
  });

  test("containers get requests and limits unless given their own", () => {
    expect(container().container[0].resources).toEqual({
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { cpu: "250m", memory: "128Mi" },
    });
    expect(container({ requests: { cpu: "1" }, limits: { cpu: "2" } }).container[0].resources).toEqual({
      requests: { cpu: "1" },
      limits: { cpu: "2" },
    });
  });

  test("the deployer's grants can be turned off", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", grantDeployerClusterAdmin: false });
    new WorkloadKeyVault(s, "kv", { name: "kv-1", resourceGroupName: "rg", location: "eastus", grantDeployer: false });
    expect(all(synth(s), "azurerm_role_assignment")).toHaveLength(0);
  });
});

describe("opt-outs under the always-on security pass", () => {
  test("purgeProtectionEnabled: false synthesizes, with AZWI002 suppressed for that reason", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-x", resourceGroupName: "rg", location: "eastus", purgeProtectionEnabled: false });
    const finding = WorkloadIdentityChecks.findings(s.node.root as App).find((f) => f.ruleId === "AZWI002");
    expect(finding?.suppressedBecause).toMatch(/purgeProtectionEnabled: false was set explicitly/);
  });
});
