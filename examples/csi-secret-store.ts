// Mount Key Vault secrets as files with the Secrets Store CSI driver (the blog walkthrough).
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksWithOidc, FederatedWorkload, KeyVaultSecretAccess, WorkloadKeyVault } from "../lib";

export class CsiSecretStoreExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    const cluster = new AksWithOidc(this, "aks", {
      name: "aks-csi", resourceGroupName: "rg-csi", location: "westeurope",
      secretsStoreCsiDriver: { rotationEnabled: true, rotationInterval: "2m" },  // the add-on
    });
    cluster.kubernetesProvider(this, "kubernetes");
    const vault = new WorkloadKeyVault(this, "kv", { name: "kv-csi-demo", resourceGroupName: "rg-csi", location: "westeurope" });
    const app = new FederatedWorkload(this, "demo", {
      issuer: cluster, namespace: "nsworkloadidentitydemo", createNamespace: true,
      serviceAccountName: "saworkloadidentitydemo", resourceGroupName: "rg-csi", location: "westeurope",
    });
    new KeyVaultSecretAccess(this, "access", { workload: app, vault, secrets: [{ name: "workloadidentitydemo" }] });
    const spc = app.addSecretProviderClass("spc", {
      name: "kvcsi", vault, objects: [{ name: "workloadidentitydemo" }],   // alias, type and version optional
    });
    app.addDeployment("nginx", {
      name: "workloadidentitydemo", replicas: 3,
      containers: [{ name: "nginx", image: "nginx", readOnlyRootFilesystem: false, runAsNonRoot: false, runAsUser: "0" }],
      secretsStore: { secretProviderClass: spc.name, mountPath: "/mnt/secrets-store" },
    });
  }
}
