import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
// Modules, not the package index: the app loads only what it uses (see README, Performance).
import { AksWithOidc } from "../lib/azure/aks-with-oidc";
import type { IAksCluster, IWorkloadKeyVault } from "../lib/core/types";
import { SAMPLE_IMAGE } from "../lib/core/constants";
import { BUILT_IN_NAMESPACES } from "../lib/guardrails/rules";
import { FederatedWorkload } from "../lib/workloads/federated-workload";
import { KeyVaultSecretAccess } from "../lib/azure/key-vault-secret-access";
import { WorkloadObject } from "../lib/kubernetes/workload-base";
import { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";

/**
 * The workload: managed identity, federated credential, Key Vault grant, service account and the
 * walkthroughs' sample pod, on the platform stack's cluster. The Kubernetes provider is configured
 * from a data source read of that cluster, so it is never configured from a resource created in
 * the same apply.
 */
export class WorkloadStack extends TerraformStack {
  public readonly workload: FederatedWorkload;
  public readonly access: KeyVaultSecretAccess;
  public readonly pod: WorkloadObject<PodV1>;

  constructor(scope: Construct, id: string, platform: PlatformStack, config: AppConfig) {
    super(scope, id);
    new AzurermProvider(this, "azurerm", { features: [{}], subscriptionId: config.subscriptionId });
    const cluster = AksWithOidc.fromExisting(this, "cluster", {
      name: platform.cluster.clusterName,
      resourceGroupName: platform.cluster.resourceGroupName,
    });
    if (config.kubernetesObjects === "terraform") {
      cluster.kubernetesProvider(this, "kubernetes", {
          method: config.kubernetesAuth,
          loginMode: config.kubeloginMode,
          useAzurermEnvVars: config.kubeloginEnvironment === "azurerm",
        });
    }
    const parts = addWorkload(this, config, cluster, platform.vault, platform.resourceGroup.name);
    this.workload = parts.workload;
    this.access = parts.access;
    this.pod = parts.pod;
  }
}

/** The workload's resources, in any stack (shared by the two-stack and single-stack layouts). */
export function addWorkload(
  scope: Construct,
  config: AppConfig,
  cluster: IAksCluster,
  vault: IWorkloadKeyVault,
  resourceGroupName: string,
  kubernetesProvider?: KubernetesProvider,
) {
  const workload = new FederatedWorkload(scope, "workload", {
    issuer: cluster,
    namespace: config.serviceAccountNamespace,
    // Namespaces every cluster has cannot be created (AlreadyExists); any other is created.
    createNamespace: !BUILT_IN_NAMESPACES.includes(config.serviceAccountNamespace),
    serviceAccountName: config.serviceAccountName,
    identityName: config.userAssignedIdentityName,
    resourceGroupName,
    location: config.location,
    federatedCredentialName: config.federatedIdentityCredentialName,
    propagationDelay: `${config.credentialPropagationSeconds}s`,
    kubernetesProvider,
    kubernetesObjects: config.kubernetesObjects,
  });
  const access = new KeyVaultSecretAccess(scope, "secret-access", {
    workload,
    vault,
    secrets: [{ name: config.keyVaultSecretName }],
    grantScope: config.keyVaultGrantScope,
  });
  const pod = workload.addPod("sample-pod", {
    name: "sample-workload-identity-key-vault",
    containers: [{ name: "oidc", image: SAMPLE_IMAGE, env: access.podEnvironment() }],
  });

  new TerraformOutput(scope, "user_assigned_client_id", {
    value: workload.identity.clientId,
    description: "USER_ASSIGNED_CLIENT_ID: the service account's azure.workload.identity/client-id",
  });
  new TerraformOutput(scope, "service_account_subject", { value: workload.subject });
  new TerraformOutput(scope, "sample_pod", {
    value: `${config.serviceAccountNamespace}/${pod.resource?.metadata.name ?? pod.name}`,
    description: "kubectl logs -n <namespace> <pod> should show: successfully got secret",
  });
  return { workload, access, pod };
}
