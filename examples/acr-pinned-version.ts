// The MSAL walkthrough: an app image from ACR (AcrPull for the kubelet) reading a pinned secret version.
//
// The registry already exists and holds the image (the walkthrough pushes it with `az acr build`
// before deploying): a registry created in the same apply would be empty when the pod pulls. The
// pod names the registry's login server, so it starts only after the AcrPull grant.
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksWithOidc, ContainerRegistryAccess, FederatedWorkload, KeyVaultSecretAccess, WorkloadKeyVault } from "../lib";

export class AcrPinnedVersionExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    const cluster = AksWithOidc.fromExisting(this, "aks", { name: "wilab", resourceGroupName: "WorkloadIdentityRG" });
    cluster.kubernetesProvider(this, "kubernetes");
    const acr = new ContainerRegistryAccess(this, "acr", {
      cluster, existing: { name: "wilab12345", resourceGroupName: "WorkloadIdentityRG" },
    });
    const vault = WorkloadKeyVault.fromExisting(this, "kv", {
      name: "wilab12345", resourceGroupName: "WorkloadIdentityRG", permissionModel: "access-policy",
    });
    const demo = new FederatedWorkload(this, "demo", {
      issuer: cluster, serviceAccountName: "wi-demo-sa", identityName: "wi-demo-identity",
      federatedCredentialName: "wi-demo-federated-id", resourceGroupName: "WorkloadIdentityRG", location: "eastus",
    });
    // DOCS_BLOCK_START:pinned-version
    const access = new KeyVaultSecretAccess(this, "secret", {
      workload: demo, vault,
      secrets: [{ name: "Secret", existing: true, version: "ded8e5e3b3e040e9bfa5c47d0e28848a" }],
    });
    demo.addPod("app", {
      name: "wi-kv-test",
      containers: [{ name: "wi-kv-test", image: `${acr.loginServer}/wi-kv-test:latest`, env: access.pinnedEnvironment() }],
    });
    // DOCS_BLOCK_END:pinned-version
  }
}
