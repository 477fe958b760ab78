// A cluster that is not AKS (EKS, GKE, kind, on-premises): federate an Entra application instead of
// a managed identity. The cluster runs the azure-workload-identity webhook itself.
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { FederatedApplicationWorkload, KeyVaultSecretAccess, SAMPLE_IMAGE, WorkloadKeyVault } from "../lib";

export class AppRegistrationExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}] });
    new AzureadProvider(this, "azuread", {});
    new KubernetesProvider(this, "kubernetes", { configPath: "~/.kube/config" });
    // DOCS_BLOCK_START:application
    const app = new FederatedApplicationWorkload(this, "api", {
      issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
      namespace: "payments", createNamespace: true, serviceAccountName: "api",
    });
    // DOCS_BLOCK_END:application
    const vault = WorkloadKeyVault.fromExisting(this, "kv", { name: "kv-payments", resourceGroupName: "rg-payments" });
    const access = new KeyVaultSecretAccess(this, "db", { workload: app, vault, secrets: [{ name: "db-password", existing: true }] });
    app.addPod("reader", { name: "reader", containers: [{ name: "oidc", image: SAMPLE_IMAGE, env: access.podEnvironment() }] });
  }
}
