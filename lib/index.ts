/**
 * CDK for Terraform constructs for Azure workload identity on AKS: a cluster with the OIDC issuer,
 * federated workloads, Key Vault secret access, and the synth-time checks that refuse a broken or
 * unsafe trust chain.
 *
 * @packageDocumentation
 */

// Every public name is listed here once; a module or name not listed is internal and may change in
// any release. Modules under a `private/` folder are never exported.

// The cluster.
export { AksWithOidc, ExistingAksWithOidc } from "./azure/aks-with-oidc";
export type { AksWithOidcProps, ExistingAksProps, SecretsStoreCsiOptions, SystemNodePoolOptions } from "./azure/aks-with-oidc";
export type { IAksCluster, IOidcIssuer, KubernetesAuthOptions } from "./core/types";

// Identities and workloads.
export { ManagedIdentity } from "./azure/managed-identity";
export type { ManagedIdentityAttributes, ManagedIdentityProps } from "./azure/managed-identity";
export type { FederatedCredentialOptions, IManagedIdentity, IWorkloadPrincipal } from "./core/types";
export { FederatedWorkload } from "./workloads/federated-workload";
export type { FederatedWorkloadProps } from "./workloads/federated-workload";
export { FederatedApplicationWorkload } from "./workloads/federated-application";
export type { FederatedApplicationWorkloadProps, IFederatedApplication } from "./workloads/federated-application";
export { WorkloadBase } from "./kubernetes/workload-base";
export type { SecretProviderClassProps, SecretsStoreObject, WorkloadKubernetesProps, WorkloadObject } from "./kubernetes/workload-base";
export type {
  SecretsStoreMount,
  WorkloadContainer,
  WorkloadDeploymentProps,
  WorkloadPodProps,
  WorkloadPodTemplate,
  WorkloadToleration,
} from "./kubernetes/kubernetes-objects";
export { GitOpsManifests } from "./kubernetes/gitops";
export type { ManifestObject } from "./kubernetes/gitops";
export { MAX_TOKEN_EXPIRATION_SECONDS, MIN_TOKEN_EXPIRATION_SECONDS, SAMPLE_IMAGE, TOKEN_EXCHANGE_AUDIENCE } from "./core/constants";

// Identity bindings.
export { IdentityBinding, IDENTITY_BINDING_API_VERSION } from "./azure/identity-binding";
export type { IdentityBindingProps } from "./azure/identity-binding";
export type { IIdentityBinding } from "./core/types";
export { AzapiProvider, AzapiResource } from "./azure/azapi";
export type { AzapiProviderConfig, AzapiResourceConfig } from "./azure/azapi";

// Key Vault and the container registry.
export { WorkloadKeyVault } from "./azure/key-vault";
export type { KeyVaultNetworkRules, WorkloadKeyVaultProps } from "./azure/key-vault";
export type { IWorkloadKeyVault, KeyVaultPermissionModel } from "./core/types";
export { KeyVaultSecretAccess } from "./azure/key-vault-secret-access";
export type { KeyVaultSecretAccessProps, SecretSpec } from "./azure/key-vault-secret-access";
export { ContainerRegistryAccess } from "./azure/container-registry";
export type { ContainerRegistryAccessProps, NewContainerRegistryProps } from "./azure/container-registry";

// The checks.
export { checkApp, GuardrailError } from "./guardrails/check-app";
export { SECURITY_RULES, WorkloadIdentityChecks } from "./guardrails/checks";
export type { Finding, SecurityRule, Severity } from "./guardrails/checks";
export { terraformLiteral } from "./guardrails/terraform-templates";
