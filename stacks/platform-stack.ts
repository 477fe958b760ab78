import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { AksWithOidc } from "../lib/azure/aks-with-oidc";
import { WorkloadKeyVault } from "../lib/azure/key-vault";
import { AppConfig } from "./config";

/**
 * The platform: resource group, AKS cluster with OIDC issuer and workload identity, Key Vault,
 * and the deployer's own role assignments (cluster admin, secrets officer).
 */
export class PlatformStack extends TerraformStack {
  public readonly resourceGroup: ResourceGroup;
  public readonly cluster: AksWithOidc;
  public readonly vault: WorkloadKeyVault;

  constructor(scope: Construct, id: string, config: AppConfig) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}], subscriptionId: config.subscriptionId });
    const parts = addPlatform(this, config);
    this.resourceGroup = parts.resourceGroup;
    this.cluster = parts.cluster;
    this.vault = parts.vault;

    new TerraformOutput(this, "oidc_issuer_url", {
      value: this.cluster.oidcIssuerUrl,
      description: "The cluster's OIDC issuer (AKS_OIDC_ISSUER in the walkthroughs).",
    });
    new TerraformOutput(this, "keyvault_url", { value: this.vault.vaultUri, description: "KEYVAULT_URL" });
  }
}

/** The platform's resources, in any stack (shared by the two-stack and single-stack layouts). */
export function addPlatform(scope: Construct, config: AppConfig) {
  const resourceGroup = new ResourceGroup(scope, "resource-group", {
    name: config.resourceGroupName,
    location: config.location,
  });
  const cluster = new AksWithOidc(scope, "aks", {
    name: config.aksName,
    resourceGroupName: resourceGroup.name,
    location: resourceGroup.location,
    systemNodePool: { nodeCount: config.aksNodeCount, vmSize: config.aksNodeVmSize },
    localAccountDisabled: config.aksLocalAccounts === "disabled",
    secretsStoreCsiDriver: config.aksSecretsStoreCsi === "on",
  });
  const vault = new WorkloadKeyVault(scope, "keyvault", {
    name: config.keyVaultName,
    resourceGroupName: resourceGroup.name,
    location: resourceGroup.location,
    permissionModel: config.keyVaultPermissionModel,
  });
  return { resourceGroup, cluster, vault };
}
