/**
 * Fixed values of Azure workload identity. Kept in one place so that every construct, the
 * security rules and the review tooling agree on them.
 */

/** The only audience Entra accepts for workload identity token exchange. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/** Pod label the AKS mutating webhook selects on. Required on the pod, not only on the SA. */
export const USE_LABEL = "azure.workload.identity/use";

/** Service-account annotation holding the managed identity's client id. */
export const CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";

/** Service-account annotation overriding the tenant id (defaults to the cluster's tenant). */
export const TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";

/** Service-account annotation for the projected token's lifetime, in seconds (3600–86400). */
export const TOKEN_EXPIRATION_ANNOTATION = "azure.workload.identity/service-account-token-expiration";

/**
 * Pod-template annotation of this library on deployments: the service account's client id, tenant
 * and token expiration, which the webhook copies into a pod only when it creates it. A change of
 * identity then changes the template, and the deployment rolls its pods onto the new identity.
 */
export const IDENTITY_SETTINGS_ANNOTATION = "aks-workload-identity-cdktf/identity";

/** Pod annotations understood by the webhook. */
export const SKIP_CONTAINERS_ANNOTATION = "azure.workload.identity/skip-containers";
export const INJECT_PROXY_SIDECAR_ANNOTATION = "azure.workload.identity/inject-proxy-sidecar";
export const PROXY_SIDECAR_PORT_ANNOTATION = "azure.workload.identity/proxy-sidecar-port";
/**
 * Pod annotation that puts a pod in identity-binding mode: the webhook (v1.6.0, custom token
 * endpoint `use-<suffix>`, configured on AKS with the suffix `identity-binding`) projects a token of
 * audience `api://AKSIdentityBinding` instead of `api://AzureADTokenExchange`.
 */
export const USE_IDENTITY_BINDING_ANNOTATION = "azure.workload.identity/use-identity-binding";
/** The API group and verb of the ClusterRole rule that lets a service account use an identity through a binding. */
export const IDENTITY_BINDING_API_GROUP = "cid.wi.aks.azure.com";
export const IDENTITY_BINDING_VERB = "use-managed-identity";

/** Shortest projected service account token lifetime the webhook accepts, in seconds (1 hour). */
export const MIN_TOKEN_EXPIRATION_SECONDS = 3600;
/** Longest projected service account token lifetime the webhook accepts, in seconds (24 hours). */
export const MAX_TOKEN_EXPIRATION_SECONDS = 86400;

/** Entra limit: federated identity credentials per user-assigned managed identity. */
export const MAX_FEDERATED_CREDENTIALS_PER_IDENTITY = 20;

/** Built-in role that lets a principal read secret contents (data plane). */
export const KEY_VAULT_SECRETS_USER = "Key Vault Secrets User";

/** Built-in role that lets a principal write secrets (data plane); given to the deployer. */
export const KEY_VAULT_SECRETS_OFFICER = "Key Vault Secrets Officer";

/** Built-in role that lets the deployer manage Kubernetes objects on an Azure-RBAC AKS cluster. */
export const AKS_RBAC_CLUSTER_ADMIN = "Azure Kubernetes Service RBAC Cluster Admin";

/**
 * The application id of the "Azure Kubernetes Service AAD Server" that kubelogin requests tokens
 * for. It is the same in every tenant.
 */
export const AKS_AAD_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** The image the walkthroughs use to prove that a pod can read a Key Vault secret. */
export const SAMPLE_IMAGE = "ghcr.io/azure/azure-workload-identity/msal-go";

/** Environment variable the webhook sets to the projected token's path (moved in v1.6.0). */
export const FEDERATED_TOKEN_FILE_ENV = "AZURE_FEDERATED_TOKEN_FILE";

/**
 * The key under a stack JSON's top-level `"//"` (a comment to Terraform) where the security pass
 * records that it ran for the stack: `{ securityPass: "ran", skipValidation, errors, warnings,
 * suppressed: [{ rule, path, reason, message }] }`. The review reads it: a stack without it was
 * synthesized without the library's guardrails.
 */
export const GUARDRAILS_RECORD = "azwi_guardrails";
