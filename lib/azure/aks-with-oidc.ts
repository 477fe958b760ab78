import { DataResource, Fn, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { KubernetesCluster } from "@cdktf/provider-azurerm/lib/kubernetes-cluster";
import { DataAzurermKubernetesCluster } from "@cdktf/provider-azurerm/lib/data-azurerm-kubernetes-cluster";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { KubernetesProvider, KubernetesProviderConfig } from "@cdktf/provider-kubernetes/lib/provider";
import { AKS_AAD_SERVER_APP_ID, AKS_RBAC_CLUSTER_ADMIN } from "../core/constants";
import { propagationWait, providerClusters, recordClusterKey } from "../core/internal";
import type { IAksCluster, KubernetesAuthOptions } from "../core/types";
import { Problems, regionSettings } from "../guardrails/problems";
import * as R from "../guardrails/rules";
import { guardStack } from "../guardrails/auto";

/** The system node pool of an {@link AksWithOidc} cluster. */
export interface SystemNodePoolOptions {
  /** Pool name: lowercase letters and digits, 1–12 characters. @default "system" */
  readonly name?: string;
  /** VM size of the system nodes, e.g. `Standard_D4s_v5`. @default "Standard_D2s_v3" */
  readonly vmSize?: string;
  /** Number of nodes (fixed; no autoscaling). @default 2 */
  readonly nodeCount?: number;
  /** Availability zones, e.g. ["1","2","3"]. @default - none (regional) */
  readonly zones?: string[];
  /** OS disk of the system nodes: a managed disk, or ephemeral on the VM's local storage (the VM size must support it). @default "Managed" */
  readonly osDiskType?: "Managed" | "Ephemeral";
  /**
   * Extra nodes during an upgrade (`upgrade_settings.max_surge`): a count ("1") or a percentage
   * ("10%"). Always written: the block is Optional but not Computed in azurerm 4.55, and the read
   * stores the API's value, so leaving it out makes every plan show a diff (azurerm
   * internal/services/containers/kubernetes_nodepool.go; hashicorp/terraform-provider-azurerm#24020).
   * @default "10%" (what AKS itself applies)
   */
  readonly maxSurge?: string;
  /**
   * Minutes to wait for a node to drain during an upgrade (`upgrade_settings.drain_timeout_in_minutes`).
   * Always written: azurerm 4.55 forces a new cluster when the API's value is non-zero and the
   * configuration has none (kubernetes_cluster_resource.go `ForceNewIfChange`;
   * hashicorp/terraform-provider-azurerm#26568).
   * @default 30 (AKS's default)
   */
  readonly drainTimeoutInMinutes?: number;
}

/** The Key Vault secrets provider add-on (Secrets Store CSI driver). */
export interface SecretsStoreCsiOptions {
  /** Poll the vault and update mounted secrets. @default true */
  readonly rotationEnabled?: boolean;
  /** How often to poll, e.g. "2m". @default "2m" */
  readonly rotationInterval?: string;
}

/** Properties of {@link AksWithOidc}. */
export interface AksWithOidcProps {
  /** Cluster name (1–63 characters: letters, digits, `-`, `_`; starts and ends alphanumeric). */
  readonly name: string;
  /** Resource group the cluster is created in. */
  readonly resourceGroupName: string;
  /** Azure region, e.g. `eastus`. */
  readonly location: string;
  /** DNS prefix of the API server FQDN. @default - the cluster name */
  readonly dnsPrefix?: string;
  /** Kubernetes version. @default - AKS's default version at creation time */
  readonly kubernetesVersion?: string;
  /** The system node pool. @default - two Standard_D2s_v3 nodes with a managed OS disk */
  readonly systemNodePool?: SystemNodePoolOptions;
  /**
   * Disable the cluster's local (certificate) accounts so that every access goes through Azure AD.
   * @default true
   */
  readonly localAccountDisabled?: boolean;
  /** Authorize Kubernetes API calls with Azure RBAC role assignments. @default true */
  readonly azureRbacEnabled?: boolean;
  /** Entra group object ids that are cluster admins. @default - none */
  readonly adminGroupObjectIds?: string[];
  /** Entra tenant of the cluster's Azure AD integration. @default - the deployer's tenant */
  readonly tenantId?: string;
  /**
   * Give whoever runs `cdktf deploy` the "Azure Kubernetes Service RBAC Cluster Admin" role on the
   * cluster, so that the Kubernetes provider may create service accounts and pods. Only applies
   * when Azure RBAC is on.
   * @default true
   */
  readonly grantDeployerClusterAdmin?: boolean;
  /**
   * How long to wait after the deployer's cluster role assignment before Kubernetes objects are
   * created (role assignments take minutes to propagate). A duration such as `90s` or `5m`.
   * @default "90s"
   */
  readonly rolePropagationDelay?: string;
  /**
   * Enable the Key Vault secrets provider add-on (Secrets Store CSI driver), for workloads that
   * mount secrets with a SecretProviderClass. `true` uses the defaults of {@link SecretsStoreCsiOptions}.
   * @default false
   */
  readonly secretsStoreCsiDriver?: boolean | SecretsStoreCsiOptions;
  /** AKS pricing tier. @default "Free" */
  readonly skuTier?: "Free" | "Standard" | "Premium";
  /** Azure tags: at most 50, names up to 512 characters without any of `<>%&\?/`, values up to 256 characters. @default - none */
  readonly tags?: Record<string, string>;
}

/** Properties of {@link AksWithOidc.fromExisting}. */
export interface ExistingAksProps {
  /** Name of the existing cluster. */
  readonly name: string;
  /** Resource group of the existing cluster. */
  readonly resourceGroupName: string;
  /**
   * Run `az aks update --enable-oidc-issuer --enable-workload-identity` on the cluster during
   * apply (a `terraform_data` with a `local-exec` provisioner; needs the Azure CLI where
   * `cdktf deploy` runs). Off: the cluster must already have both features; the plan fails with
   * instructions otherwise.
   * @default false
   */
  readonly enableWorkloadIdentity?: boolean;
}

function csiAddon(option: boolean | SecretsStoreCsiOptions | undefined) {
  if (!option) return undefined;
  const o = option === true ? {} : option;
  return { secretRotationEnabled: o.rotationEnabled ?? true, secretRotationInterval: o.rotationInterval ?? "2m" };
}

/** `kubelogin get-token` arguments for `auth`. */
export function kubeloginArgs(auth: KubernetesAuthOptions = {}): string[] {
  const mode = auth.loginMode ?? "azurecli";
  const args = ["get-token", "--login", mode, "--server-id", AKS_AAD_SERVER_APP_ID];
  const readsClientVariables = mode === "spn" || mode === "workloadidentity";
  if (readsClientVariables && (auth.useAzurermEnvVars ?? true)) args.push("--use-azurerm-env-vars");
  return args;
}

type KubeConfig = { host: string; clusterCaCertificate: string; clientCertificate: string; clientKey: string };

function kubernetesProviderFrom(kubeConfig: KubeConfig, kubeAdminConfig: KubeConfig, auth: KubernetesAuthOptions = {}): KubernetesProviderConfig {
  if ((auth.method ?? "kubelogin") === "client-certificate") {
    // The user kube_config of an Azure AD cluster has no client certificate; the admin one has,
    // while local accounts are enabled.
    return {
      host: kubeAdminConfig.host,
      clusterCaCertificate: Fn.base64decode(kubeAdminConfig.clusterCaCertificate),
      clientCertificate: Fn.base64decode(kubeAdminConfig.clientCertificate),
      clientKey: Fn.base64decode(kubeAdminConfig.clientKey),
    };
  }
  const base = {
    host: kubeConfig.host,
    clusterCaCertificate: Fn.base64decode(kubeConfig.clusterCaCertificate),
  };
  return {
    ...base,
    exec: [
      {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: auth.kubeloginCommand ?? "kubelogin",
        args: kubeloginArgs(auth),
      },
    ],
  };
}

/**
 * An AKS cluster whose OIDC issuer and workload identity are always on, with Azure AD
 * integration, Azure RBAC and local accounts disabled by default.
 *
 * Use {@link AksWithOidc.fromExisting} for a cluster that Terraform does not manage.
 */
export class AksWithOidc extends Construct implements IAksCluster {
  /**
   * Refers to a cluster that already exists, through an `azurerm_kubernetes_cluster` data source.
   *
   * A data source (not an `import` block) because adopting a cluster into this stack's state would
   * make Terraform the owner of every setting of it – node pools, network, add-ons – and any
   * difference from our defaults would plan an update or a replacement of a running cluster. Reading
   * it leaves the cluster's owner in charge. The data source carries a postcondition, so a plan
   * against a cluster without the OIDC issuer fails with the command to fix it; or set
   * `enableWorkloadIdentity` to have the deploy run that command.
   *
   * Only the issuer is checked. The azurerm data source (4.55) has no `workload_identity_enabled`,
   * and no other data source of the pinned providers exposes `securityProfile.workloadIdentity`.
   * On a cluster with the issuer but without the webhook, the plan passes, the federated credential
   * is created, and pods start without the injected `AZURE_*` variables and token volume: the
   * sample logs that AZURE_CLIENT_ID / AZURE_FEDERATED_TOKEN_FILE are not set. Set
   * `enableWorkloadIdentity` (it runs `az aks update --enable-workload-identity`, which is idempotent)
   * when you are not sure.
   */
  public static fromExisting(scope: Construct, id: string, props: ExistingAksProps): ExistingAksWithOidc {
    return new ExistingAksWithOidc(scope, id, props);
  }

  /** The `azurerm_kubernetes_cluster` resource. */
  public readonly cluster: KubernetesCluster;
  /** The cluster's name (a reference to the resource's `name`). */
  public readonly clusterName: string;
  /** The cluster's resource group (a reference to the resource's `resource_group_name`). */
  public readonly resourceGroupName: string;
  /** The cluster's Azure resource id, known after apply. */
  public readonly clusterId: string;
  /** The cluster's OIDC issuer URL (a reference to the cluster attribute, never a copied string). */
  public readonly oidcIssuerUrl: string;
  /** The deployer's cluster-admin role assignment, when created. */
  public readonly deployerRoleAssignment?: RoleAssignment;
  /**
   * The wait (`time_sleep`, `rolePropagationDelay`) after the deployer's cluster-admin role
   * assignment; Kubernetes objects in the same stack are created after it. Undefined when that role
   * is not granted (`grantDeployerClusterAdmin: false` or `azureRbacEnabled: false`).
   */
  public readonly kubernetesReady?: TerraformResource;
  /** Object id of the cluster's kubelet identity, known after apply: the principal that pulls images (AcrPull). */
  public readonly kubeletObjectId: string;
  /** The `azurerm_kubernetes_cluster` resource, as {@link IAksCluster.clusterResource} names it. */
  public readonly clusterResource: TerraformResource;
  /** Whether the Secrets Store CSI driver add-on is on (`secretsStoreCsiDriver` was given and not `false`). */
  public readonly secretsStoreCsiDriver: boolean;

  constructor(scope: Construct, id: string, props: AksWithOidcProps) {
    super(scope, id);
    guardStack(this);
    validateAksWithOidcProps(this, props);
    recordClusterKey(this, props.resourceGroupName, props.name);

    const azureRbacEnabled = props.azureRbacEnabled ?? true;
    const pool = props.systemNodePool ?? {};
    const needsClientConfig = props.tenantId === undefined || (azureRbacEnabled && props.grantDeployerClusterAdmin !== false);
    const client = needsClientConfig ? new DataAzurermClientConfig(this, "deployer") : undefined;

    this.cluster = new KubernetesCluster(this, "cluster", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      dnsPrefix: props.dnsPrefix ?? props.name,
      kubernetesVersion: props.kubernetesVersion,
      skuTier: props.skuTier ?? "Free",
      // Always on: this construct exists for workload identity.
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      localAccountDisabled: props.localAccountDisabled ?? true,
      roleBasedAccessControlEnabled: true,
      azureActiveDirectoryRoleBasedAccessControl: {
        azureRbacEnabled,
        tenantId: props.tenantId ?? client!.tenantId,
        adminGroupObjectIds: props.adminGroupObjectIds,
      },
      identity: { type: "SystemAssigned" },
      defaultNodePool: {
        name: pool.name ?? "system",
        vmSize: pool.vmSize ?? "Standard_D2s_v3",
        nodeCount: pool.nodeCount ?? 2,
        zones: pool.zones,
        osDiskType: pool.osDiskType ?? "Managed",
        temporaryNameForRotation: "tmprotate",
        upgradeSettings: { maxSurge: pool.maxSurge ?? "10%", drainTimeoutInMinutes: pool.drainTimeoutInMinutes ?? 30 },
      },
      keyVaultSecretsProvider: csiAddon(props.secretsStoreCsiDriver),
      tags: props.tags,
    });

    this.clusterResource = this.cluster;
    this.clusterName = this.cluster.name;
    this.kubeletObjectId = this.cluster.kubeletIdentity.objectId;
    this.secretsStoreCsiDriver = Boolean(props.secretsStoreCsiDriver);
    this.resourceGroupName = this.cluster.resourceGroupName;
    this.clusterId = this.cluster.id;
    this.oidcIssuerUrl = this.cluster.oidcIssuerUrl;

    if (azureRbacEnabled && props.grantDeployerClusterAdmin !== false) {
      this.deployerRoleAssignment = new RoleAssignment(this, "deployer-cluster-admin", {
        scope: this.cluster.id,
        roleDefinitionName: AKS_RBAC_CLUSTER_ADMIN,
        principalId: client!.objectId,
        description: "Lets the identity running cdktf deploy manage Kubernetes objects (Azure RBAC).",
      });
      this.kubernetesReady = propagationWait(
        this,
        "deployer-role-propagation",
        props.rolePropagationDelay ?? "90s",
        [this.deployerRoleAssignment],
        { role_assignment_id: this.deployerRoleAssignment.id },
      );
    }
  }

  /**
   * Settings for `@cdktf/provider-kubernetes` that reach this cluster: its host and CA certificate
   * from the cluster's kubeconfig, and credentials by `auth.method`.
   *
   * @param auth - how the provider signs in; see {@link KubernetesAuthOptions}
   * @returns the provider configuration, all values references to the cluster's attributes
   */
  public kubernetesProviderConfig(auth?: KubernetesAuthOptions): KubernetesProviderConfig {
    return kubernetesProviderFrom(this.cluster.kubeConfig.get(0), this.cluster.kubeAdminConfig.get(0), auth);
  }

  /**
   * Creates a Kubernetes provider for this cluster in `scope`'s stack, configured by
   * {@link AksWithOidc.kubernetesProviderConfig}. The registry then knows which cluster the
   * provider's objects are on.
   *
   * @param scope - the construct whose stack gets the provider
   * @param id - the provider's construct id
   * @param auth - how the provider signs in; see {@link KubernetesAuthOptions}
   */
  public kubernetesProvider(scope: Construct, id: string, auth?: KubernetesAuthOptions): KubernetesProvider {
    const provider = new KubernetesProvider(scope, id, this.kubernetesProviderConfig(auth));
    providerClusters.set(provider, this);
    return provider;
  }
}

/** An AKS cluster read through a data source; see {@link AksWithOidc.fromExisting}. */
export class ExistingAksWithOidc extends Construct implements IAksCluster {
  /** The `azurerm_kubernetes_cluster` data source. */
  public readonly cluster: DataAzurermKubernetesCluster;
  /** The `az aks update` step, when `enableWorkloadIdentity` is set. */
  public readonly enableStep?: DataResource;
  /** The cluster's name, as read by the data source. */
  public readonly clusterName: string;
  /** The cluster's resource group, as read by the data source. */
  public readonly resourceGroupName: string;
  /** The cluster's Azure resource id, read at plan. */
  public readonly clusterId: string;
  /** The cluster's OIDC issuer URL, read at plan; the data source's postcondition fails the plan when it is empty. */
  public readonly oidcIssuerUrl: string;
  /** Object id of the cluster's kubelet identity, read at plan: the principal that pulls images (AcrPull). */
  public readonly kubeletObjectId: string;

  constructor(scope: Construct, id: string, props: ExistingAksProps) {
    super(scope, id);
    guardStack(this);
    validateExistingAksProps(this, props);
    recordClusterKey(this, props.resourceGroupName, props.name);

    if (props.enableWorkloadIdentity) {
      this.enableStep = new DataResource(this, "enable-workload-identity", {
        triggersReplace: { name: props.name, resource_group: props.resourceGroupName },
        provisioners: [
          {
            type: "local-exec",
            command:
              'az aks update --resource-group "$RG" --name "$NAME" --enable-oidc-issuer --enable-workload-identity --output none',
            environment: { RG: props.resourceGroupName, NAME: props.name },
          },
        ],
      });
    }

    this.cluster = new DataAzurermKubernetesCluster(this, "cluster", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      dependsOn: this.enableStep ? [this.enableStep] : undefined,
      lifecycle: {
        postcondition: [
          {
            condition: "${self.oidc_issuer_enabled && self.oidc_issuer_url != \"\"}",
            errorMessage:
              "The AKS cluster has no OIDC issuer. Run: az aks update --resource-group <rg> --name <cluster> " +
              "--enable-oidc-issuer --enable-workload-identity (or set enableWorkloadIdentity: true).",
          },
        ],
      },
    });

    this.clusterName = this.cluster.name;
    this.resourceGroupName = this.cluster.resourceGroupName;
    this.clusterId = this.cluster.id;
    this.oidcIssuerUrl = this.cluster.oidcIssuerUrl;
    this.kubeletObjectId = this.cluster.kubeletIdentity.get(0).objectId;
  }

  /**
   * Settings for `@cdktf/provider-kubernetes` that reach this cluster, read from the data source's
   * kubeconfig. The data source gets a postcondition that the credentials `auth.method` needs are
   * there (user credentials for kubelogin, admin credentials for `client-certificate`), so a
   * missing role fails the plan with its name.
   *
   * @param auth - how the provider signs in; see {@link KubernetesAuthOptions}
   */
  public kubernetesProviderConfig(auth?: KubernetesAuthOptions): KubernetesProviderConfig {
    this.requireCredentials((auth?.method ?? "kubelogin") === "client-certificate" ? "admin" : "user");
    return kubernetesProviderFrom(this.cluster.kubeConfig.get(0), this.cluster.kubeAdminConfig.get(0), auth);
  }

  /** Creates a Kubernetes provider for this cluster in `scope`'s stack. */
  public kubernetesProvider(scope: Construct, id: string, auth?: KubernetesAuthOptions): KubernetesProvider {
    const provider = new KubernetesProvider(scope, id, this.kubernetesProviderConfig(auth));
    providerClusters.set(provider, this);
    return provider;
  }

  /**
   * A postcondition on the data source: the credentials a Kubernetes provider reads from it are
   * there, or the plan stops naming the role that is missing. azurerm 4.55's data source leaves
   * `kube_config` empty when listing the user credentials answers 403, and `kube_admin_config`
   * empty without local accounts or without the admin role
   * (internal/services/containers/kubernetes_cluster_data_source.go), and the provider then failed
   * with an unexplained "Invalid index". Added once per kind, only when a provider reads them.
   */
  private readonly credentialChecks = new Set<string>();

  private requireCredentials(kind: "user" | "admin"): void {
    if (this.credentialChecks.has(kind)) return;
    this.credentialChecks.add(kind);
    const check =
      kind === "user"
        ? {
            condition: "${length(self.kube_config) > 0}",
            errorMessage:
              "The cluster's user credentials are empty: whoever runs the deploy may not list them. Give that identity the role " +
              "\"Azure Kubernetes Service Cluster User Role\" on the cluster (action Microsoft.ContainerService/managedClusters/listClusterUserCredential/action), " +
              "and a Kubernetes role to create objects (e.g. \"Azure Kubernetes Service RBAC Cluster Admin\" on an Azure RBAC cluster).",
          }
        : {
            condition: "${length(self.kube_admin_config) > 0}",
            errorMessage:
              "The cluster's admin credentials are empty: the cluster has local accounts disabled, or whoever runs the deploy lacks the role " +
              "\"Azure Kubernetes Service Cluster Admin Role\" on the cluster. Use kubelogin (method \"kubelogin\"), or enable local accounts and grant that role.",
          };
    const lifecycle = this.cluster.lifecycle ?? {};
    this.cluster.lifecycle = { ...lifecycle, postcondition: [...(lifecycle.postcondition ?? []), check] };
  }
}

function validateAksWithOidcProps(scope: Construct, props: AksWithOidcProps): void {
  const p = new Problems();
  p.check("AksWithOidc.name", props.name, ...R.aksClusterName);
  p.check("AksWithOidc.dnsPrefix", props.dnsPrefix ?? props.name, ...R.aksDnsPrefix);
  p.check("AksWithOidc.resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.check("AksWithOidc.location", props.location, R.knownRegion(regionSettings(scope)));
  p.check("AksWithOidc.systemNodePool.name", props.systemNodePool?.name, ...R.nodePoolName);
  p.check("AksWithOidc.systemNodePool.nodeCount", props.systemNodePool?.nodeCount, R.integerBetween(1, 1000));
  p.check("AksWithOidc.tenantId", props.tenantId, ...R.tenantId);
  p.check("AksWithOidc.rolePropagationDelay", props.rolePropagationDelay, ...R.duration);
  p.check("AksWithOidc.systemNodePool.maxSurge", props.systemNodePool?.maxSurge, R.matches(/^([1-9][0-9]*|[1-9][0-9]?%|100%)$/, 'a node count ("1") or a percentage from 1% to 100% ("10%")'));
  p.check("AksWithOidc.systemNodePool.drainTimeoutInMinutes", props.systemNodePool?.drainTimeoutInMinutes, R.integerBetween(1, 1440));
  const csi = typeof props.secretsStoreCsiDriver === "object" ? props.secretsStoreCsiDriver : undefined;
  p.check("AksWithOidc.secretsStoreCsiDriver.rotationInterval", csi?.rotationInterval, ...R.goDuration);
  p.check("AksWithOidc.kubernetesVersion", props.kubernetesVersion, ...R.kubernetesVersion);
  p.check("AksWithOidc.systemNodePool.vmSize", props.systemNodePool?.vmSize, ...R.vmSize);
  for (const zone of props.systemNodePool?.zones ?? []) p.check("AksWithOidc.systemNodePool.zones entry", zone, ...R.availabilityZone);
  for (const id of props.adminGroupObjectIds ?? []) p.check("AksWithOidc.adminGroupObjectIds entry", id, ...R.guid("an Entra group object id"));
  p.checkTags("AksWithOidc.tags", props.tags);
  p.report(scope);
}

function validateExistingAksProps(scope: Construct, props: ExistingAksProps): void {
  const p = new Problems();
  p.check("AksWithOidc.fromExisting name", props.name, ...R.aksClusterName);
  p.check("AksWithOidc.fromExisting resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.report(scope);
}
