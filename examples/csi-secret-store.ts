// Mount Key Vault secrets as files with the Secrets Store CSI driver (the blog walkthrough).
//
// Two stacks: kubernetes_manifest (the SecretProviderClass) needs the cluster and its CRD at plan
// time, so it cannot be planned in the stack that creates the cluster. `cdktf deploy 'csi-*'`
// applies the platform first and plans the workload against the running cluster.
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksWithOidc, FederatedWorkload, KeyVaultSecretAccess, WorkloadKeyVault } from "../lib";

/** The cluster with the Key Vault secrets provider add-on, and the vault. */
export class CsiPlatformExample extends TerraformStack {
  public readonly cluster: AksWithOidc;
  public readonly vault: WorkloadKeyVault;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    this.cluster = new AksWithOidc(this, "aks", {
      name: "aks-csi", resourceGroupName: "rg-csi", location: "westeurope",
      secretsStoreCsiDriver: { rotationEnabled: true, rotationInterval: "2m" },  // the add-on
    });
    this.vault = new WorkloadKeyVault(this, "kv", { name: "kv-csi-demo", resourceGroupName: "rg-csi", location: "westeurope" });
  }
}

/** The workload: identity, secret, SecretProviderClass and an nginx deployment that mounts it. */
export class CsiWorkloadExample extends TerraformStack {
  constructor(scope: Construct, id: string, platform: CsiPlatformExample) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    const cluster = AksWithOidc.fromExisting(this, "aks", {
      name: platform.cluster.clusterName, resourceGroupName: platform.cluster.resourceGroupName,
    });
    cluster.kubernetesProvider(this, "kubernetes");
    const app = new FederatedWorkload(this, "demo", {
      issuer: cluster, namespace: "nsworkloadidentitydemo", createNamespace: true,
      serviceAccountName: "saworkloadidentitydemo", resourceGroupName: "rg-csi", location: "westeurope",
    });
    new KeyVaultSecretAccess(this, "access", { workload: app, vault: platform.vault, secrets: [{ name: "workloadidentitydemo" }] });
    const spc = app.addSecretProviderClass("spc", {
      name: "kvcsi", vault: platform.vault, objects: [{ name: "workloadidentitydemo" }],   // alias, type and version optional
    });
    app.addDeployment("nginx", {
      name: "workloadidentitydemo", replicas: 3,
      // nginx-unprivileged runs as user 101 on port 8080 and needs no capabilities; it writes its
      // pid and cache files, so the root filesystem stays writable.
      containers: [{ name: "nginx", image: "nginxinc/nginx-unprivileged:1.27-alpine", runAsUser: "101", readOnlyRootFilesystem: false }],
      secretsStore: { secretProviderClass: spc.name, mountPath: "/mnt/secrets-store" },
    });
  }
}

/** Both stacks, as an app would add them. */
export function csiSecretStoreExample(app: App, prefix = "csi"): [CsiPlatformExample, CsiWorkloadExample] {
  const platform = new CsiPlatformExample(app, `${prefix}-platform`);
  return [platform, new CsiWorkloadExample(app, `${prefix}-workload`, platform)];
}
