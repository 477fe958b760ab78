/**
 * The interfaces that more than one construct names: what a cluster, a principal, an identity and
 * a vault must offer. Kept apart from the constructs so that each construct can depend on the
 * others' shapes without importing them (no import cycles).
 */
import type { TerraformResource } from "cdktf";
import type { Construct } from "constructs";
import type { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import type { KubernetesProviderConfig } from "@cdktf/provider-kubernetes/lib/provider";

/** Anything that issues Kubernetes service-account tokens Entra can trust. */
export interface IOidcIssuer {
  /** The issuer URL exactly as the cluster puts it in the token's `iss` claim. */
  readonly oidcIssuerUrl: string;
}

/** How the Kubernetes provider authenticates to an AKS cluster. */
export interface KubernetesAuthOptions {
  /**
   * `kubelogin` execs `kubelogin get-token` (Azure AD; works with local accounts disabled).
   * `client-certificate` uses the cluster admin's client certificate from `kube_admin_config`,
   * which exists only while local accounts are enabled (`localAccountDisabled: false`).
   * @default "kubelogin"
   */
  readonly method?: "kubelogin" | "client-certificate";
  /**
   * kubelogin's `--login` mode:
   * - `azurecli` reuses `az login` (a workstation; in CI after `azure/login`, but a federated
   *   `az login` cannot refresh its 10-minute assertion, Azure/azure-cli#28708);
   * - `workloadidentity` for CI with federated credentials: on GitHub Actions kubelogin requests
   *   the job's OIDC token itself (`ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN`, needs
   *   `permissions: id-token: write`); elsewhere it reads `AZURE_FEDERATED_TOKEN_FILE`;
   * - `spn` for a service principal with a secret or certificate;
   * - `msi` for a managed identity of the machine.
   * (Azure/kubelogin v0.2.19 pkg/internal/token/options.go, provider.go.)
   * @default "azurecli"
   */
  readonly loginMode?: "azurecli" | "workloadidentity" | "spn" | "msi";
  /**
   * Pass `--use-azurerm-env-vars`, so that kubelogin reads the variables the azurerm provider
   * already uses in CI – `ARM_CLIENT_ID`, `ARM_TENANT_ID`, `ARM_CLIENT_SECRET`,
   * `ARM_CLIENT_CERTIFICATE_PATH` – instead of `AZURE_CLIENT_ID`/`AZURE_TENANT_ID`/… (without the
   * flag kubelogin ignores `ARM_*`; with it, it ignores the `AZURE_*` client and tenant variables).
   * Only for `spn` and `workloadidentity`.
   * @default - true for `spn` and `workloadidentity`
   */
  readonly useAzurermEnvVars?: boolean;
  /** The kubelogin executable. @default "kubelogin" (from PATH) */
  readonly kubeloginCommand?: string;
}

/** A cluster that workloads can federate with and that a Kubernetes provider can talk to. */
export interface IAksCluster extends IOidcIssuer {
  /** The cluster's name. */
  readonly clusterName: string;
  /** The cluster's resource group. */
  readonly resourceGroupName: string;
  /** The cluster's Azure resource id. */
  readonly clusterId: string;
  /**
   * A resource that completes once the deployer may create Kubernetes objects (its cluster role
   * has had time to propagate), when this construct manages that; Kubernetes objects in the same
   * stack wait for it.
   */
  readonly kubernetesReady?: TerraformResource;
  /**
   * The resource that creates the cluster, when Terraform creates it (not for `fromExisting`):
   * objects that need the cluster at plan time (`kubernetes_manifest`) cannot be in its stack.
   */
  readonly clusterResource?: TerraformResource;
  /**
   * Whether the Key Vault secrets provider add-on (Secrets Store CSI driver) is on: `true` or
   * `false` when this construct sets it, `undefined` when it is not known at synth (an existing cluster).
   */
  readonly secretsStoreCsiDriver?: boolean;
  /** Object id of the kubelet identity (pulls images: the principal of AcrPull). */
  readonly kubeletObjectId: string;
  /** Provider settings (host, CA, credentials) for `@cdktf/provider-kubernetes`. */
  kubernetesProviderConfig(auth?: KubernetesAuthOptions): KubernetesProviderConfig;
}

/** Anything a Key Vault grant can be given to: a managed identity or an application's service principal. */
export interface IWorkloadPrincipal {
  /** Object id of the service principal: the principal of role assignments and access policies. */
  readonly principalId: string;
  /** Client (application) id: the service account's `azure.workload.identity/client-id`. */
  readonly clientId: string;
  /** Tenant of the principal. */
  readonly tenantId: string;
}

/** A user-assigned managed identity that can hold federated credentials. */
export interface IManagedIdentity extends IWorkloadPrincipal {
  /** Azure resource id of the identity (the federated credential's `parent_id`). */
  readonly identityId: string;
  /** Resource group of the identity. */
  readonly resourceGroupName: string;
  /**
   * Adds a federated identity credential. Credentials of one identity are created one after
   * another (Azure rejects concurrent writes under one identity with HTTP 409).
   */
  addFederatedCredential(scope: Construct, id: string, options: FederatedCredentialOptions): FederatedIdentityCredential;
  /** The federated credentials added so far, in creation order. */
  readonly federatedCredentials: readonly FederatedIdentityCredential[];
}

/**
 * Preview: an AKS identity binding of one managed identity to one cluster (see IdentityBinding):
 * what a workload needs to use the identity through it.
 */
export interface IIdentityBinding {
  /** The binding's name, unique in its cluster. */
  readonly bindingName: string;
  /** The cluster the identity is bound to. */
  readonly cluster: IAksCluster;
  /** The bound identity. */
  readonly identity: IManagedIdentity;
  /** The binding's Azure resource id. */
  readonly bindingId: string;
  /** The issuer AKS keeps for the identity, known after apply. */
  readonly oidcIssuerUrl: string;
  /** The resource that creates the binding: workloads in its stack wait for it. */
  readonly resource: TerraformResource;
}

/** One trust relationship: tokens from `issuer` about `subject` may act as the identity. */
export interface FederatedCredentialOptions {
  /** Credential name: 3–120 characters, starts alphanumeric, then letters, digits, `-`, `_`. */
  readonly name: string;
  /** The OIDC issuer URL, exactly as in the token's `iss` claim. */
  readonly issuer: string;
  /** The token's `sub` claim; for Kubernetes `system:serviceaccount:<namespace>:<name>`. */
  readonly subject: string;
  /** Accepted audience. Entra and the azurerm provider accept exactly one. @default "api://AzureADTokenExchange" */
  readonly audience?: string;
}

/** How a vault authorizes data-plane access. */
export type KeyVaultPermissionModel = "rbac" | "access-policy";

/** A Key Vault that workloads can be granted secrets of. */
export interface IWorkloadKeyVault {
  /** The vault's Azure resource id: the scope of vault-wide grants. */
  readonly vaultId: string;
  /** Data-plane URI, `https://<name>.vault.azure.net/` – the pod's `KEYVAULT_URL`. */
  readonly vaultUri: string;
  /** The vault's name (3–24 characters, globally unique). */
  readonly vaultName: string;
  /** Tenant that authenticates requests to the vault. */
  readonly tenantId: string;
  /** Azure RBAC (`Key Vault Secrets User` role) or access policies (`get` on secrets). */
  readonly permissionModel: KeyVaultPermissionModel;
  /**
   * Completes once the deployer may write secrets (its data-plane grant has had time to
   * propagate), when this construct manages that grant.
   */
  readonly secretsWritable?: TerraformResource;
}
