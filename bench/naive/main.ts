// The baseline: the same resources as the default app (and as bench/scale-app.ts for N > 0),
// written the way a `cdktf init` project does – provider classes from the package roots, run
// with ts-node (which type-checks). No validation, no security pass. Only the benchmark runs it.
import { App, Fn, TerraformStack } from "cdktf";
import * as azurerm from "@cdktf/provider-azurerm";
import * as kubernetes from "@cdktf/provider-kubernetes";
import * as time from "@cdktf/provider-time";

const n = Number(process.env.BENCH_WORKLOADS ?? "0");
const app = new App();

if (n === 0) {
  // The default app: platform + workload stacks.
  const platform = new TerraformStack(app, "platform");
  new azurerm.provider.AzurermProvider(platform, "azurerm", { features: [{}] });
  new time.provider.TimeProvider(platform, "time");
  const client = new azurerm.dataAzurermClientConfig.DataAzurermClientConfig(platform, "client");
  const rg = new azurerm.resourceGroup.ResourceGroup(platform, "rg", { name: "rg-aks-workload-identity", location: "eastus" });
  const aks = new azurerm.kubernetesCluster.KubernetesCluster(platform, "aks", {
    name: "aks-workload-identity", resourceGroupName: rg.name, location: rg.location, dnsPrefix: "aks-workload-identity",
    oidcIssuerEnabled: true, workloadIdentityEnabled: true, localAccountDisabled: true, roleBasedAccessControlEnabled: true,
    azureActiveDirectoryRoleBasedAccessControl: { azureRbacEnabled: true, tenantId: client.tenantId },
    identity: { type: "SystemAssigned" },
    defaultNodePool: { name: "system", vmSize: "Standard_D2s_v3", nodeCount: 1 },
  });
  const aksRole = new azurerm.roleAssignment.RoleAssignment(platform, "aks-admin", {
    scope: aks.id, roleDefinitionName: "Azure Kubernetes Service RBAC Cluster Admin", principalId: client.objectId,
  });
  new time.sleep.Sleep(platform, "aks-wait", { createDuration: "90s", dependsOn: [aksRole] });
  const kv = new azurerm.keyVault.KeyVault(platform, "kv", {
    name: "azwi-kv-tutorial", resourceGroupName: rg.name, location: rg.location, tenantId: client.tenantId, skuName: "standard",
    rbacAuthorizationEnabled: true, purgeProtectionEnabled: true, softDeleteRetentionDays: 90,
  });
  const kvRole = new azurerm.roleAssignment.RoleAssignment(platform, "kv-officer", {
    scope: kv.id, roleDefinitionName: "Key Vault Secrets Officer", principalId: client.objectId,
  });
  new time.sleep.Sleep(platform, "kv-wait", { createDuration: "90s", dependsOn: [kvRole] });

  const workload = new TerraformStack(app, "workload");
  new azurerm.provider.AzurermProvider(workload, "azurerm", { features: [{}] });
  new time.provider.TimeProvider(workload, "time");
  const cluster = new azurerm.dataAzurermKubernetesCluster.DataAzurermKubernetesCluster(workload, "cluster", {
    name: aks.name, resourceGroupName: aks.resourceGroupName,
  });
  new kubernetes.provider.KubernetesProvider(workload, "kubernetes", {
    host: cluster.kubeConfig.get(0).host,
    clusterCaCertificate: Fn.base64decode(cluster.kubeConfig.get(0).clusterCaCertificate),
    exec: [{ apiVersion: "client.authentication.k8s.io/v1beta1", command: "kubelogin", args: ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"] }],
  });
  addWorkload(workload, "0", cluster.oidcIssuerUrl, rg.name, kv.id, kv.vaultUri, "default", "workload-identity-sa");
} else {
  const stack = new TerraformStack(app, "scale");
  new azurerm.provider.AzurermProvider(stack, "azurerm", { features: [{}] });
  new time.provider.TimeProvider(stack, "time");
  const cluster = new azurerm.dataAzurermKubernetesCluster.DataAzurermKubernetesCluster(stack, "cluster", { name: "aks-bench", resourceGroupName: "rg-bench" });
  new kubernetes.provider.KubernetesProvider(stack, "kubernetes", { host: cluster.kubeConfig.get(0).host });
  const kv = new azurerm.dataAzurermKeyVault.DataAzurermKeyVault(stack, "kv", { name: "kv-bench", resourceGroupName: "rg-bench" });
  for (let i = 0; i < n; i++) addWorkload(stack, String(i), cluster.oidcIssuerUrl, "rg-bench", kv.id, kv.vaultUri, `team-${i % 50}`, `app-${i}`);
}

function addWorkload(s: TerraformStack, i: string, issuer: string, rg: string, kvId: string, kvUri: string, ns: string, sa: string) {
  const id = new azurerm.userAssignedIdentity.UserAssignedIdentity(s, `id-${i}`, { name: `id-${ns}-${sa}`, resourceGroupName: rg, location: "eastus" });
  const fic = new azurerm.federatedIdentityCredential.FederatedIdentityCredential(s, `fic-${i}`, {
    name: `fic-${ns}-${sa}`, resourceGroupName: rg, parentId: id.id, issuer, subject: `system:serviceaccount:${ns}:${sa}`, audience: ["api://AzureADTokenExchange"],
  });
  const secret = new azurerm.keyVaultSecret.KeyVaultSecret(s, `secret-${i}`, { name: `secret-${i}`, keyVaultId: kvId, valueWo: "${var.shared_secret_value}", valueWoVersion: 1 });
  const role = new azurerm.roleAssignment.RoleAssignment(s, `role-${i}`, {
    scope: secret.resourceVersionlessId, roleDefinitionName: "Key Vault Secrets User", principalId: id.principalId, principalType: "ServicePrincipal",
  });
  const serviceAccount = new kubernetes.serviceAccountV1.ServiceAccountV1(s, `sa-${i}`, {
    metadata: { name: sa, namespace: ns, labels: { "azure.workload.identity/use": "true" }, annotations: { "azure.workload.identity/client-id": id.clientId } },
  });
  const wait = new time.sleep.Sleep(s, `wait-${i}`, { createDuration: "30s", dependsOn: [fic, role] });
  new kubernetes.podV1.PodV1(s, `pod-${i}`, {
    metadata: { name: `app-${i}`, namespace: ns, labels: { "azure.workload.identity/use": "true" } },
    spec: {
      serviceAccountName: serviceAccount.metadata.name,
      nodeSelector: { "kubernetes.io/os": "linux" },
      container: [{ name: "app", image: "ghcr.io/azure/azure-workload-identity/msal-go", env: [{ name: "KEYVAULT_URL", value: kvUri }, { name: "SECRET_NAME", value: `secret-${i}` }] }],
    },
    dependsOn: [wait],
  });
}

app.synth();
