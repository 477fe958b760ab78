import { App, TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { makeUniqueId } from "cdktf/lib/private/unique";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { AksWithOidc } from "../../lib/azure/aks-with-oidc";
import { WorkloadKeyVault } from "../../lib/azure/key-vault";
import { ManagedIdentity } from "../../lib/azure/managed-identity";
import { IdentityBinding } from "../../lib/azure/identity-binding";
import { KeyVaultSecretAccess } from "../../lib/azure/key-vault-secret-access";
import type { IAksCluster, IWorkloadKeyVault } from "../../lib/core/types";
import { BUILT_IN_NAMESPACES } from "../../lib/guardrails/rules";
import { FederatedWorkload } from "../../lib/workloads/federated-workload";
import { environmentState } from "../backends";
import { recordClusterKey } from "../../lib/core/internal";
import { EnvironmentError, locate, Where } from "./load";
import { recordOrigin, recordOriginAt } from "./origins";
import type { EnvironmentSpec, StateSpec, WorkloadSpec } from "./types";

/**
 * The stacks of one environment: `<env>-platform` (resource group, cluster, vault,
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
  /** Preview: the identity bindings of shared identities that declare one, by (lowercased) identity name. */
  public readonly bindings = new Map<string, IdentityBinding>();

  constructor(scope: Construct, id: string, public readonly env: EnvironmentSpec) {
    super(scope, id);
    recordOrigin(this, locate(env, []));
    label(this, { environment: env.name });
    environmentState(this, env.name, env.state);
    new AzurermProvider(this, "azurerm", { features: [{}], subscriptionId: env.subscription });
    if (env.createResourceGroup ?? true) {
      const group = new ResourceGroup(this, "resource-group", { name: env.resourceGroup, location: env.location });
      recordOrigin(group, locate(env, ["resourceGroup"]));
      this.resourceGroupName = group.name;
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
      recordOrigin(this.cluster, locate(env, ["cluster", "name"]));
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
      recordOrigin(this.vault, locate(env, ["vault", "name"]));
      new TerraformOutput(this, "keyvault_url", { value: this.vault.vaultUri });
    }
    let existingCluster: IAksCluster | undefined;
    (env.identities ?? []).forEach((shared, i) => {
      const identity = new ManagedIdentity(this, `identity-${shared.name}`, { name: shared.name, resourceGroupName: this.resourceGroupName, location: env.location });
      recordOrigin(identity, locate(env, ["identities", i, "name"]));
      this.identities.set(shared.name.toLowerCase(), identity);
      if (shared.binding !== undefined) {
        const cluster = this.cluster ?? (existingCluster ??= AksWithOidc.fromExisting(this, "cluster", { name: c.name, resourceGroupName: (c.existing && c.resourceGroup) || env.resourceGroup }));
        const binding = new IdentityBinding(this, `binding-${shared.name}`, { cluster, identity, name: shared.binding });
        recordOrigin(binding, locate(env, ["identities", i, "binding"]));
        this.bindings.set(shared.name.toLowerCase(), binding);
      }
    });
  }
}

/** `<env>-<team>`: one team's workloads on the environment's cluster and vault. */
export class EnvironmentTeamStack extends TerraformStack {
  public readonly workloads: FederatedWorkload[] = [];

  /**
   * `problems`: where to collect what a construct throws while an entry is built (as
   * `file:line: field: message`); without it, the first such problem is thrown as an
   * {@link EnvironmentError}.
   */
  constructor(scope: Construct, id: string, platform: EnvironmentPlatformStack, team: string, workloads: readonly WorkloadSpec[], problems?: string[]) {
    super(scope, id);
    const env = platform.env;
    const first = workloads[0] && workloadWhere(env, workloads[0]);
    recordOrigin(this, env.teams ? locate(env, ["teams", env.teams.findIndex((t) => t.name === team), "name"]) : first ? locate(env, [...first, "namespace"]) : locate(env, []));
    label(this, { environment: env.name, team });
    environmentState(this, env.name, env.state);
    // Deployed after the platform even when nothing of it is referenced (the resource group).
    this.addDependency(platform);
    new AzurermProvider(this, "azurerm", { features: [{}], subscriptionId: env.subscription });
    const c = env.cluster;
    // The cluster is read with a data source, so the Kubernetes provider is never configured from
    // a resource created in the same apply (as the default app's workload stack).
    const clusterResourceGroup = platform.cluster ? env.resourceGroup : (c.existing && c.resourceGroup) || env.resourceGroup;
    const cluster = AksWithOidc.fromExisting(this, "cluster", {
      name: platform.cluster ? platform.cluster.clusterName : c.name,
      resourceGroupName: platform.cluster ? platform.cluster.resourceGroupName : clusterResourceGroup,
    });
    // The real name is known even when it is passed as a reference to the platform's cluster: the
    // app-wide registry then sees two environments' Kubernetes objects on one cluster.
    recordClusterKey(cluster, clusterResourceGroup, c.name);
    recordOrigin(cluster, locate(env, ["cluster", "name"]));
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
    if (!platform.vault) recordOriginAt(this, `${this.node.path}/keyvault`, locate(env, ["vault", "name"]));
    const namespaces = new Set<string>();
    /** Builds one entry; what a construct throws is the entry's problem, at its file and line. */
    const entry = (where: Where, build: () => void): void => {
      try {
        build();
      } catch (e) {
        const problem = `${locate(env, where)}: ${e instanceof Error ? e.message : String(e)}`;
        if (!problems) throw new EnvironmentError([problem]);
        problems.push(problem);
      }
    };
    for (const w of workloads) {
      const here = workloadWhere(env, w);
      entry(here, () => {
        // The first workload of a namespace creates it (unless every cluster has it or the file says
        // not to); the others are ordered after it by the constructs.
        const create = w.createNamespace ?? (!BUILT_IN_NAMESPACES.includes(w.namespace) && !namespaces.has(w.namespace));
        namespaces.add(w.namespace);
        // A shared identity with a binding: the workload uses the binding (no federated credential of its own).
        const identityBinding = w.sharedIdentity ? platform.bindings.get(w.sharedIdentity.toLowerCase()) : undefined;
        const workload = new FederatedWorkload(this, workloadId(w.namespace, w.serviceAccount), {
          issuer: identityBinding ? undefined : cluster,
          identityBinding,
          namespace: w.namespace,
          createNamespace: create,
          serviceAccountName: w.serviceAccount,
          identity: w.sharedIdentity ? platform.identities.get(w.sharedIdentity.toLowerCase()) : undefined,
          identityName: w.identityName,
          resourceGroupName: platform.resourceGroupName,
          location: env.location,
        });
        recordOrigin(workload, locate(env, here));
        recordOriginAt(this, `${workload.node.path}/namespace`, locate(env, [...here, "namespace"]));
        recordOriginAt(this, `${workload.node.path}/service-account`, locate(env, [...here, "serviceAccount"]));
        if (w.identityName !== undefined) recordOriginAt(this, `${workload.node.path}/identity`, locate(env, [...here, "identityName"]));
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
        if (access) {
          recordOrigin(access, locate(env, [...here, "secrets"]));
          secrets.forEach((s, j) => {
            for (const child of access.node.children.filter((ch) => ch.node.id.endsWith(`-${s.name}`))) recordOrigin(child, locate(env, [...here, "secrets", j, "name"]));
          });
        }
        const podEnv = access?.podEnvironment();
        (w.pods ?? []).forEach((p, j) =>
          entry([...here, "pods", j, "name"], () => {
            workload.addPod(`pod-${p.name}`, { name: p.name, containers: [{ name: "main", image: p.image, env: podEnv }] });
            recordOriginAt(this, `${workload.node.path}/pod-${p.name}`, locate(env, [...here, "pods", j, "name"]));
          }),
        );
        (w.deployments ?? []).forEach((d, j) =>
          entry([...here, "deployments", j, "name"], () => {
            workload.addDeployment(`deployment-${d.name}`, { name: d.name, replicas: d.replicas, containers: [{ name: "main", image: d.image, env: podEnv }] });
            recordOriginAt(this, `${workload.node.path}/deployment-${d.name}`, locate(env, [...here, "deployments", j, "name"]));
          }),
        );
        recordOrigin(
          new TerraformOutput(this, clientIdOutputName(w.namespace, w.serviceAccount), {
            value: workload.identity.clientId,
            description: `${w.namespace}/${w.serviceAccount}: azure.workload.identity/client-id`,
          }),
          locate(env, here),
        );
      });
    }
    entry([], () => movedFromEarlierIds(this, workloads));
  }
}

/** Where a workload is in its file: `teams[i].workloads[j]` or `workloads[j]`. */
function workloadWhere(env: EnvironmentSpec, w: WorkloadSpec): Where {
  if (env.teams) {
    for (const [i, t] of env.teams.entries()) {
      const j = t.workloads.indexOf(w);
      if (j !== -1) return ["teams", i, "workloads", j];
    }
  }
  const j = (env.workloads ?? []).indexOf(w);
  return j === -1 ? [] : ["workloads", j];
}

/**
 * The construct id of a workload in a team stack. It is the first part of every Terraform name the
 * workload's resources get, so it starts with a letter (Terraform names must start with a letter
 * or `_`; a namespace may start with a digit), and it is injective: a namespace (a DNS-1123 label)
 * holds no `_`, so the first `_` separates it from the service account (`a`/`b-c` and `a-b`/`c`
 * stay apart).
 */
export function workloadId(namespace: string, serviceAccount: string): string {
  return `workload-${namespace}_${serviceAccount}`;
}

/**
 * The output holding a workload's client id: `client-id_<namespace>_<service account>`, with the
 * service account's `.` written as `_` (a Terraform name holds letters, digits, `_` and `-`).
 * Injective for the same reason as {@link workloadId}: neither name holds `_`.
 */
export function clientIdOutputName(namespace: string, serviceAccount: string): string {
  return `client-id_${namespace}_${serviceAccount.replace(/\./g, "_")}`;
}

/** The id workloads had before {@link workloadId}: neither injective nor always a valid Terraform name. */
function earlierWorkloadId(w: WorkloadSpec): string {
  return `${w.namespace}-${w.serviceAccount}`;
}

/**
 * `moved` blocks from the names the workloads' resources had under the earlier id scheme, so a
 * stack applied before keeps its identities, credentials, grants and pods instead of destroying
 * and recreating them (Terraform ignores a `moved` block whose `from` is not in the state). Only
 * for earlier ids that could have been applied: starting with a letter (Terraform refused the
 * others) and held by one workload of the stack (two made the synth fail).
 */
function movedFromEarlierIds(stack: TerraformStack, workloads: readonly WorkloadSpec[]): void {
  const count = new Map<string, number>();
  for (const w of workloads) count.set(earlierWorkloadId(w), (count.get(earlierWorkloadId(w)) ?? 0) + 1);
  const moved: { from: string; to: string }[] = [];
  for (const w of workloads) {
    const earlier = earlierWorkloadId(w);
    if (!/^[A-Za-z]/.test(earlier) || count.get(earlier) !== 1) continue;
    const workload = stack.node.findChild(workloadId(w.namespace, w.serviceAccount));
    for (const r of workload.node.findAll()) {
      if (!TerraformResource.isTerraformResource(r)) continue;
      const resource = r as TerraformResource;
      const components = resource.node.scopes.slice(stack.node.scopes.length).map((c) => c.node.id);
      // A resource whose name was set by hand keeps it under either scheme.
      if (resource.friendlyUniqueId !== makeUniqueId(components)) continue;
      const from = makeUniqueId([earlier, ...components.slice(1)]);
      moved.push({ from: `${resource.terraformResourceType}.${from}`, to: `${resource.terraformResourceType}.${resource.friendlyUniqueId}` });
    }
  }
  // Written as the stack's `moved` list, not with TerraformResource.moveFromId: that adds a
  // validation that runs `terraform version` at synth (cdktf 0.21 lib/terraform-resource.js,
  // lib/synthesize/synthesizer.js), which fails where no terraform binary is installed.
  if (moved.length) stack.addOverride("moved", moved);
}

/**
 * Every environment's stacks; returns them (for the checks main.ts attaches). `defaultState` is the
 * backend of files that name no `state` (local files when undefined).
 */
export function buildEnvironments(app: App, environments: readonly EnvironmentSpec[], defaultState?: StateSpec): TerraformStack[] {
  const stacks: TerraformStack[] = [];
  const problems: string[] = [];
  for (const given of environments) {
    const env = given.state || !defaultState ? given : { ...given, state: defaultState };
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
      const stack = new EnvironmentTeamStack(app, `${env.name}-${g.team}`, platform, g.team, g.workloads, problems);
      for (const name of new Set(g.workloads.flatMap((w) => (w.sharedIdentity ? [w.sharedIdentity.toLowerCase()] : [])))) {
        const previous = lastUser.get(name);
        if (previous && !stack.dependencies.includes(previous)) stack.addDependency(previous);
        lastUser.set(name, stack);
      }
      stacks.push(stack);
    }
  }
  if (problems.length) throw new EnvironmentError(problems);
  return stacks;
}

function byNamespace(workloads: readonly WorkloadSpec[]): { team: string; workloads: WorkloadSpec[] }[] {
  const groups = new Map<string, WorkloadSpec[]>();
  for (const w of workloads) groups.set(w.namespace, [...(groups.get(w.namespace) ?? []), w]);
  return [...groups].map(([team, list]) => ({ team, workloads: list }));
}
