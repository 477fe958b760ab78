import { App, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { AksWithOidc } from "../../lib/azure/aks-with-oidc";
import { WorkloadKeyVault } from "../../lib/azure/key-vault";
import { ManagedIdentity } from "../../lib/azure/managed-identity";
import { KeyVaultSecretAccess } from "../../lib/azure/key-vault-secret-access";
import type { IWorkloadKeyVault } from "../../lib/core/types";
import { BUILT_IN_NAMESPACES } from "../../lib/guardrails/rules";
import { FederatedWorkload } from "../../lib/workloads/federated-workload";
import { environmentState } from "../backends";
import type { EnvironmentSpec, WorkloadSpec } from "./types";

/**
 * The stacks of one environment (issue 12): `<env>-platform` (resource group, cluster, vault,
 * shared identities) and one stack per team, `<env>-<team>` (or per namespace, `<env>-<namespace>`,
 * when the file names no teams) with the team's identities, federated credentials, Key Vault grants,
 * service accounts, pods and deployments. `cdktf deploy '<env>-*'` deploys one environment; a
 * change to one team's workloads changes only that team's stack.
 */

/** Stack metadata the review tool groups by (`//.azwi` in cdk.tf.json; Terraform ignores `//`). */
export interface StackLabels {
  readonly environment: string;
  readonly team?: string;
}

function label(stack: TerraformStack, labels: StackLabels): void {
  stack.addOverride("//.azwi", labels);
}

/** `<env>-platform`: what the environment's teams share. */
export class EnvironmentPlatformStack extends TerraformStack {
  /** The resource group's name (a reference when this stack creates it). */
  public readonly resourceGroupName: string;
  /** The new cluster, when the environment creates one. */
  public readonly cluster?: AksWithOidc;
  /** The new vault, when the environment creates one. */
  public readonly vault?: WorkloadKeyVault;
  /** Shared identities by (lowercased) name. */
  public readonly identities = new Map<string, ManagedIdentity>();

  constructor(scope: Construct, id: string, public readonly env: EnvironmentSpec) {
    super(scope, id);
    label(this, { environment: env.name });
    environmentState(this, env.name, env.state);
    new AzurermProvider(this, "azurerm", { features: [{}], subscriptionId: env.subscription });
    if (env.createResourceGroup ?? true) {
      this.resourceGroupName = new ResourceGroup(this, "resource-group", { name: env.resourceGroup, location: env.location }).name;
    } else {
      this.resourceGroupName = env.resourceGroup;
    }
    const c = env.cluster;
    if (!c.existing) {
      this.cluster = new AksWithOidc(this, "aks", {
        name: c.name,
        resourceGroupName: this.resourceGroupName,
        location: env.location,
        systemNodePool: { nodeCount: c.nodeCount ?? 1, vmSize: c.vmSize ?? "Standard_D2s_v3" },
        localAccountDisabled: (c.localAccounts ?? "disabled") === "disabled",
        secretsStoreCsiDriver: c.secretsStoreCsi ?? false,
      });
      new TerraformOutput(this, "oidc_issuer_url", { value: this.cluster.oidcIssuerUrl, description: "The cluster's OIDC issuer." });
    }
    const v = env.vault;
    if (!v.existing) {
      this.vault = new WorkloadKeyVault(this, "keyvault", {
        name: v.name,
        resourceGroupName: this.resourceGroupName,
        location: env.location,
        permissionModel: v.permissionModel ?? "rbac",
      });
      new TerraformOutput(this, "keyvault_url", { value: this.vault.vaultUri });
    }
    for (const shared of env.identities ?? []) {
      this.identities.set(
        shared.name.toLowerCase(),
        new ManagedIdentity(this, `identity-${shared.name}`, { name: shared.name, resourceGroupName: this.resourceGroupName, location: env.location }),
      );
    }
  }
}

/** `<env>-<team>`: one team's workloads on the environment's cluster and vault. */
export class EnvironmentTeamStack extends TerraformStack {
  public readonly workloads: FederatedWorkload[] = [];

  constructor(scope: Construct, id: string, platform: EnvironmentPlatformStack, team: string, workloads: readonly WorkloadSpec[]) {
    super(scope, id);
    const env = platform.env;
    label(this, { environment: env.name, team });
    environmentState(this, env.name, env.state);
    // Deployed after the platform even when nothing of it is referenced (the resource group).
    this.addDependency(platform);
    new AzurermProvider(this, "azurerm", { features: [{}], subscriptionId: env.subscription });
    const c = env.cluster;
    // The cluster is read with a data source, so the Kubernetes provider is never configured from
    // a resource created in the same apply (as the default app's workload stack).
    const cluster = AksWithOidc.fromExisting(this, "cluster", {
      name: platform.cluster ? platform.cluster.clusterName : c.name,
      resourceGroupName: platform.cluster ? platform.cluster.resourceGroupName : (c.existing && c.resourceGroup) || env.resourceGroup,
    });
    const k = env.kubernetes ?? {};
    cluster.kubernetesProvider(this, "kubernetes", {
      method: k.auth ?? "kubelogin",
      loginMode: k.kubeloginMode ?? "azurecli",
      useAzurermEnvVars: (k.kubeloginEnvironment ?? "azurerm") === "azurerm",
    });
    const v = env.vault;
    const vault: IWorkloadKeyVault =
      platform.vault ??
      WorkloadKeyVault.fromExisting(this, "keyvault", {
        name: v.name,
        resourceGroupName: (v.existing && v.resourceGroup) || env.resourceGroup,
        permissionModel: v.permissionModel ?? "rbac",
      });
    const namespaces = new Set<string>();
    for (const w of workloads) {
      // The first workload of a namespace creates it (unless every cluster has it or the file says
      // not to); the others are ordered after it by the constructs.
      const create = w.createNamespace ?? (!BUILT_IN_NAMESPACES.includes(w.namespace) && !namespaces.has(w.namespace));
      namespaces.add(w.namespace);
      const workload = new FederatedWorkload(this, `${w.namespace}-${w.serviceAccount}`, {
        issuer: cluster,
        namespace: w.namespace,
        createNamespace: create,
        serviceAccountName: w.serviceAccount,
        identity: w.sharedIdentity ? platform.identities.get(w.sharedIdentity.toLowerCase()) : undefined,
        identityName: w.identityName,
        resourceGroupName: platform.resourceGroupName,
        location: env.location,
      });
      this.workloads.push(workload);
      const secrets = w.secrets ?? [];
      const access =
        secrets.length > 0
          ? new KeyVaultSecretAccess(workload, "secret-access", {
              workload,
              vault,
              secrets: secrets.map((s) => ({ name: s.name, existing: s.existing ?? false })),
              grantScope: w.grantScope,
            })
          : undefined;
      const podEnv = access?.podEnvironment();
      for (const p of w.pods ?? []) {
        workload.addPod(`pod-${p.name}`, { name: p.name, containers: [{ name: "main", image: p.image, env: podEnv }] });
      }
      for (const d of w.deployments ?? []) {
        workload.addDeployment(`deployment-${d.name}`, { name: d.name, replicas: d.replicas, containers: [{ name: "main", image: d.image, env: podEnv }] });
      }
      new TerraformOutput(this, `${w.namespace}-${w.serviceAccount}-client-id`.replace(/[^A-Za-z0-9_-]/g, "_"), {
        value: workload.identity.clientId,
        description: `${w.namespace}/${w.serviceAccount}: azure.workload.identity/client-id`,
      });
    }
  }
}

/** Every environment's stacks; returns them (for the checks main.ts attaches). */
export function buildEnvironments(app: App, environments: readonly EnvironmentSpec[]): TerraformStack[] {
  const stacks: TerraformStack[] = [];
  for (const env of environments) {
    const platform = new EnvironmentPlatformStack(app, `${env.name}-platform`, env);
    stacks.push(platform);
    const groups: { team: string; workloads: readonly WorkloadSpec[] }[] = env.teams
      ? env.teams.map((t) => ({ team: t.name, workloads: t.workloads }))
      : byNamespace(env.workloads ?? []);
    // Federated credentials of one identity must not be written at the same time (Azure answers
    // 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity), and `cdktf deploy`
    // runs independent stacks in parallel (its --parallelism defaults to unlimited, cdktf-cli 0.21).
    // Team stacks that share an identity are therefore chained with stack dependencies, in file order.
    const lastUser = new Map<string, TerraformStack>();
    for (const g of groups) {
      const stack = new EnvironmentTeamStack(app, `${env.name}-${g.team}`, platform, g.team, g.workloads);
      for (const name of new Set(g.workloads.flatMap((w) => (w.sharedIdentity ? [w.sharedIdentity.toLowerCase()] : [])))) {
        const previous = lastUser.get(name);
        if (previous && !stack.dependencies.includes(previous)) stack.addDependency(previous);
        lastUser.set(name, stack);
      }
      stacks.push(stack);
    }
  }
  return stacks;
}

function byNamespace(workloads: readonly WorkloadSpec[]): { team: string; workloads: WorkloadSpec[] }[] {
  const groups = new Map<string, WorkloadSpec[]>();
  for (const w of workloads) groups.set(w.namespace, [...(groups.get(w.namespace) ?? []), w]);
  return [...groups].map(([team, list]) => ({ team, workloads: list }));
}
