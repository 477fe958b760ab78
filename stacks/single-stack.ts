import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AppConfig } from "./config";
import { addPlatform } from "./platform-stack";
import { addWorkload } from "./workload-stack";

/**
 * Everything in one stack, for users who want a single state. The Kubernetes provider is then
 * configured from the cluster created in the same apply: Terraform tolerates this for a new
 * cluster, but a change that replaces the cluster cannot be planned in one step (see README).
 */
export class SingleStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: AppConfig) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}], subscriptionId: config.subscriptionId });
    const { resourceGroup, cluster, vault } = addPlatform(this, config);
    const provider =
      config.kubernetesObjects === "terraform"
        ? cluster.kubernetesProvider(this, "kubernetes", {
          method: config.kubernetesAuth,
          loginMode: config.kubeloginMode,
          useAzurermEnvVars: config.kubeloginEnvironment === "azurerm",
        })
        : undefined;
    addWorkload(this, config, cluster, vault, resourceGroup.name, provider);
  }
}
