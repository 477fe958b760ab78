// Preview: one managed identity used by workloads of two AKS clusters through identity bindings,
// instead of one federated credential per cluster (docs/identity-bindings.md). AKS writes a single
// credential, aks-identity-binding, on the identity for both bindings.
//
// Two stacks, as in the default app: the platform (two clusters, the vault) and the workloads (the
// shared identity, one binding per cluster, and on each cluster a workload allowed to use it).
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksWithOidc, FederatedWorkload, IdentityBinding, KeyVaultSecretAccess, ManagedIdentity, WorkloadKeyVault } from "../lib";

/** The application's image (built with an Azure Identity library that supports the token proxy). */
const ORDERS_IMAGE = "crordersdemo.azurecr.io/orders-api:1.0.0";

/** Two clusters and a vault. */
export class BindingsPlatformExample extends TerraformStack {
  public readonly clusters: AksWithOidc[];
  public readonly vault: WorkloadKeyVault;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    this.clusters = ["aks-orders-weu", "aks-orders-neu"].map(
      (name, i) => new AksWithOidc(this, name, { name, resourceGroupName: "rg-orders", location: i === 0 ? "westeurope" : "northeurope" }),
    );
    this.vault = new WorkloadKeyVault(this, "kv", { name: "kv-orders-demo", resourceGroupName: "rg-orders", location: "westeurope" });
  }
}

/** The identity, a binding on each cluster, and on each cluster the `orders/api` workload using it. */
export class BindingsWorkloadExample extends TerraformStack {
  public readonly identity: ManagedIdentity;
  public readonly bindings: IdentityBinding[] = [];
  public readonly workloads: FederatedWorkload[] = [];

  constructor(scope: Construct, id: string, platform: BindingsPlatformExample) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    this.identity = new ManagedIdentity(this, "orders-identity", { name: "id-orders-api", resourceGroupName: "rg-orders", location: "westeurope" });
    platform.clusters.forEach((c, i) => {
      const cluster = AksWithOidc.fromExisting(this, `cluster-${i}`, { name: c.clusterName, resourceGroupName: c.resourceGroupName });
      const kubernetes = cluster.kubernetesProvider(this, `kubernetes-${i}`);
      kubernetes.alias = `cluster${i}`;
      const binding = new IdentityBinding(this, `binding-${i}`, { cluster, identity: this.identity, name: "ordersapi" });
      const workload = new FederatedWorkload(this, `api-${i}`, {
        identityBinding: binding, kubernetesProvider: kubernetes,
        namespace: "orders", createNamespace: true, serviceAccountName: "api",
      });
      this.bindings.push(binding);
      this.workloads.push(workload);
    });
    // One grant to the identity serves both clusters.
    const access = new KeyVaultSecretAccess(this, "db", { workload: this.workloads[0], vault: platform.vault, secrets: [{ name: "db-password" }] });
    for (const w of this.workloads) {
      // The application must request its token through the binding's proxy: an Azure Identity
      // library with the token-proxy option (docs/identity-bindings.md); the msal-go sample image does not.
      w.addDeployment("api", { name: "orders-api", containers: [{ name: "api", image: ORDERS_IMAGE, env: access.podEnvironment() }] });
    }
  }
}

/** Both stacks, as an app would add them. */
export function identityBindingsExample(app: App, prefix = "bindings"): [BindingsPlatformExample, BindingsWorkloadExample] {
  const platform = new BindingsPlatformExample(app, `${prefix}-platform`);
  return [platform, new BindingsWorkloadExample(app, `${prefix}-workload`, platform)];
}
