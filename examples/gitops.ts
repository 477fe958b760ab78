// Terraform manages the Azure side only; the Kubernetes side is written as YAML for Flux or Argo CD.
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksWithOidc, FederatedWorkload, KeyVaultSecretAccess, SAMPLE_IMAGE, WorkloadKeyVault } from "../lib";

export class GitOpsExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    const cluster = AksWithOidc.fromExisting(this, "aks", { name: "aks-prod", resourceGroupName: "rg-prod" });
    const vault = WorkloadKeyVault.fromExisting(this, "kv", { name: "kv-prod-apps", resourceGroupName: "rg-prod" });
    const api = new FederatedWorkload(this, "api", {
      issuer: cluster, namespace: "payments", createNamespace: true, serviceAccountName: "api",
      resourceGroupName: "rg-prod", location: "westeurope",
      kubernetesObjects: "manifests",          // YAML in cdktf.out/stacks/<stack>/manifests/, no kubernetes provider
    });
    const access = new KeyVaultSecretAccess(this, "db", { workload: api, vault, secrets: [{ name: "db-password", existing: true }] });
    api.addDeployment("api", { name: "api", replicas: 2, containers: [{ name: "api", image: SAMPLE_IMAGE, env: access.podEnvironment() }] });
  }
}
