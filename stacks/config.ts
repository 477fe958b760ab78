import * as R from "../lib/guardrails/rules";
import type { Rule } from "../lib/guardrails/rules";
import { regionList } from "../lib/guardrails/regions";

/**
 * The app's settings: environment variables named as in the walkthroughs (so an existing `.env`
 * works), then cdktf context (`cdktf.json` "context" or `--context`), then defaults that let
 * `cdktf synth` run with nothing set.
 */

export interface AppConfig {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly aksName: string;
  readonly aksNodeCount: number;
  readonly aksNodeVmSize: string;
  readonly serviceAccountNamespace: string;
  readonly serviceAccountName: string;
  readonly userAssignedIdentityName: string;
  readonly federatedIdentityCredentialName: string;
  readonly keyVaultName: string;
  readonly keyVaultSecretName: string;
  readonly keyVaultPermissionModel: "rbac" | "access-policy";
  readonly keyVaultGrantScope: "secret" | "vault";
  readonly kubernetesAuth: "kubelogin" | "client-certificate";
  readonly kubeloginMode: "azurecli" | "workloadidentity" | "spn" | "msi";
  readonly kubeloginEnvironment: "azurerm" | "azure";
  readonly aksLocalAccounts: "disabled" | "enabled";
  readonly aksSecretsStoreCsi: "off" | "on";
  readonly credentialPropagationSeconds: number;
  readonly subscriptionId?: string;
  readonly stackLayout: "two-stacks" | "single-stack";
  readonly kubernetesObjects: "terraform" | "manifests";
  /** Regions to accept beyond the built-in list. */
  readonly additionalRegions?: string[];
  /** Replaces the built-in list of regions without federated credentials on user-assigned identities. */
  readonly unsupportedFicRegions?: string[];
}

/** One setting: its variable name, default and meaning (the README's configuration table). */
export interface Setting {
  readonly name: string;
  readonly field: keyof AppConfig;
  readonly default: string | undefined;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly integer?: { readonly min: number; readonly max: number };
  /** Comma-separated list of regions. */
  readonly regions?: boolean;
  /** The value rules (the same ones the constructs apply). */
  readonly rules?: () => readonly Rule[];
}

export const SETTINGS: readonly Setting[] = [
  { name: "RG_NAME", field: "resourceGroupName", default: "rg-aks-workload-identity", description: "Resource group for everything", rules: () => R.resourceGroupName },
  { name: "LOCATION", field: "location", default: "eastus", description: "Azure region" },
  { name: "AKS_NAME", field: "aksName", default: "aks-workload-identity", description: "AKS cluster name (also its DNS prefix)", rules: () => [...R.aksClusterName, ...R.aksDnsPrefix] },
  { name: "AKS_NODE_COUNT", field: "aksNodeCount", default: "1", description: "System node pool size", integer: { min: 1, max: 1000 } },
  { name: "AKS_NODE_VM_SIZE", field: "aksNodeVmSize", default: "Standard_D2s_v3", description: "System node VM size" },
  { name: "SERVICE_ACCOUNT_NAMESPACE", field: "serviceAccountNamespace", default: "default", description: "Namespace of the service account (created unless `default`)", rules: () => R.workloadNamespace },
  { name: "SERVICE_ACCOUNT_NAME", field: "serviceAccountName", default: "workload-identity-sa", description: "Kubernetes service account name", rules: () => R.dns1123Subdomain },
  { name: "USER_ASSIGNED_IDENTITY_NAME", field: "userAssignedIdentityName", default: "myIdentity", description: "User-assigned managed identity name", rules: () => R.identityName },
  { name: "FEDERATED_IDENTITY_CREDENTIAL_NAME", field: "federatedIdentityCredentialName", default: "myFedIdentity", description: "Federated identity credential name", rules: () => R.federatedCredentialName },
  { name: "KEYVAULT_NAME", field: "keyVaultName", default: "azwi-kv-tutorial", description: "Key Vault name – globally unique: set your own", rules: () => R.keyVaultName },
  { name: "KEYVAULT_SECRET_NAME", field: "keyVaultSecretName", default: "my-secret", description: "Secret the sample pod reads", rules: () => R.keyVaultSecretName },
  { name: "KEYVAULT_PERMISSION_MODEL", field: "keyVaultPermissionModel", default: "rbac", description: "`rbac` (Key Vault Secrets User) or `access-policy` (get on secrets)", choices: ["rbac", "access-policy"] },
  { name: "KEYVAULT_GRANT_SCOPE", field: "keyVaultGrantScope", default: undefined, description: "`secret` or `vault`; default `secret` for RBAC, `vault` for access policies", choices: ["secret", "vault"] },
  { name: "K8S_AUTH", field: "kubernetesAuth", default: "kubelogin", description: "How the Kubernetes provider signs in: `kubelogin` (Azure AD) or `client-certificate` (local accounts)", choices: ["kubelogin", "client-certificate"] },
  { name: "KUBELOGIN_MODE", field: "kubeloginMode", default: "azurecli", description: "kubelogin `--login` mode: `azurecli` (workstation), `workloadidentity` (CI with OIDC, e.g. GitHub Actions), `spn`, `msi`", choices: ["azurecli", "workloadidentity", "spn", "msi"] },
  { name: "KUBELOGIN_ENV", field: "kubeloginEnvironment", default: "azurerm", description: "Which variables kubelogin's `spn`/`workloadidentity` modes read: `azurerm` (`ARM_CLIENT_ID`, `ARM_TENANT_ID`, … as the azurerm provider; `--use-azurerm-env-vars`) or `azure` (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, …)", choices: ["azurerm", "azure"] },
  { name: "AKS_LOCAL_ACCOUNTS", field: "aksLocalAccounts", default: "disabled", description: "`disabled` (Azure AD only) or `enabled` (needed by K8S_AUTH=client-certificate)", choices: ["disabled", "enabled"] },
  { name: "AKS_SECRETS_STORE_CSI", field: "aksSecretsStoreCsi", default: "off", description: "`on` enables the Key Vault secrets provider add-on (Secrets Store CSI driver)", choices: ["off", "on"] },
  { name: "FIC_PROPAGATION_SECONDS", field: "credentialPropagationSeconds", default: "30", description: "Wait after the federated credential before the pod starts", integer: { min: 0, max: 3600 } },
  { name: "ARM_SUBSCRIPTION_ID", field: "subscriptionId", default: undefined, description: "Subscription (read by the azurerm provider at deploy time; not needed to synth)" },
  { name: "AZURE_ADDITIONAL_REGIONS", field: "additionalRegions", default: undefined, description: "Comma-separated regions to accept beyond the built-in list", regions: true },
  { name: "UNSUPPORTED_FIC_REGIONS", field: "unsupportedFicRegions", default: undefined, description: "Comma-separated regions without federated credentials on user-assigned identities (replaces the built-in list)", regions: true },
  { name: "KUBERNETES_OBJECTS", field: "kubernetesObjects", default: "terraform", description: "`terraform` (kubernetes provider resources) or `manifests` (GitOps YAML in cdktf.out; see README)", choices: ["terraform", "manifests"] },
  { name: "STACK_LAYOUT", field: "stackLayout", default: "two-stacks", description: "`two-stacks` (platform + workload) or `single-stack`", choices: ["two-stacks", "single-stack"] },
];

/** A setting with a bad value: names the variable, the value and what is allowed. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads every setting through `lookup` (environment first, then context) and parses it. All bad
 * values are reported together.
 */
export function loadConfig(lookup: (name: string) => string | undefined): AppConfig {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const s of SETTINGS) {
    const raw = lookup(s.name);
    const given = raw !== undefined && raw !== "";
    const text = given ? raw : s.default;
    if (text === undefined) continue;
    if (s.choices && !s.choices.includes(text)) {
      problems.push(`${s.name} ${JSON.stringify(text)} must be one of: ${s.choices.join(", ")}`);
      continue;
    }
    if (s.integer) {
      const n = Number(text);
      if (!/^-?\d+$/.test(text.trim()) || n < s.integer.min || n > s.integer.max) {
        problems.push(`${s.name} ${JSON.stringify(text)} must be an integer from ${s.integer.min} to ${s.integer.max}`);
        continue;
      }
      values[s.field] = n;
      continue;
    }
    if (s.regions) {
      values[s.field] = regionList(text);
      continue;
    }
    const why = s.rules ? R.firstProblem(text, s.rules()) : undefined;
    if (why !== undefined) {
      problems.push(`${s.name} ${JSON.stringify(text)} ${why}`);
      continue;
    }
    values[s.field] = text;
  }
  // The location needs the region lists, which are settings too.
  const location = values.location as string | undefined;
  if (location !== undefined) {
    const settings = {
      additionalRegions: values.additionalRegions as string[] | undefined,
      unsupportedFicRegions: values.unsupportedFicRegions as string[] | undefined,
    };
    const howToAdd = "the AZURE_ADDITIONAL_REGIONS setting (comma-separated, environment or context)";
    const why = R.firstProblem(location, [R.knownRegion(settings, howToAdd), R.federationRegion(settings)]);
    if (why !== undefined) problems.push(`LOCATION ${JSON.stringify(location)} ${why}`);
  }
  if (values.keyVaultPermissionModel === "access-policy" && values.keyVaultGrantScope === "secret") {
    problems.push(
      'KEYVAULT_GRANT_SCOPE "secret" cannot be used with KEYVAULT_PERMISSION_MODEL "access-policy": access policies apply to the whole vault',
    );
  }
  if (values.kubernetesAuth === "client-certificate" && values.aksLocalAccounts !== "enabled") {
    problems.push(
      'K8S_AUTH "client-certificate" needs AKS_LOCAL_ACCOUNTS "enabled": with local accounts disabled the cluster has no client certificate; use K8S_AUTH "kubelogin"',
    );
  }
  if (problems.length) throw new ConfigError(problems);
  const config = values as unknown as AppConfig & { keyVaultGrantScope?: "secret" | "vault" };
  return {
    ...config,
    keyVaultGrantScope: config.keyVaultGrantScope ?? (config.keyVaultPermissionModel === "rbac" ? "secret" : "vault"),
  };
}

/** The usual lookup: `process.env`, then the app's context. */
export function environmentThenContext(
  env: Record<string, string | undefined>,
  context: (name: string) => unknown,
): (name: string) => string | undefined {
  return (name) => {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const fromContext = context(name);
    return fromContext === undefined || fromContext === null ? undefined : String(fromContext);
  };
}
