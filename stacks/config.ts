import * as R from "../lib/guardrails/rules";
import type { Rule } from "../lib/guardrails/rules";
import { regionList } from "../lib/guardrails/regions";
import { terraformLiteral } from "../lib/guardrails/checks";

/**
 * The app's settings: environment variables named as in the walkthroughs (so an existing `.env`
 * works), then cdktf context (`cdktf.json` "context"), then defaults that let
 * `cdktf synth` run with nothing set. Every value is data: see {@link SettingKind}.
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

/**
 * What a setting's value is. Configuration is data, never Terraform code: Terraform
 * evaluates `${…}` and `%{…}` in every string of the JSON we synthesize, so a value from the
 * environment, cdktf context or an environment file either has a shape that cannot hold them or
 * is escaped. Shaped kinds are refused, naming the setting, unless the value matches:
 * - `choice`: exactly one of `choices`;
 * - `integer`: digits, from `integer.min` to `integer.max`, kept as a number;
 * - `name`: an Azure or Kubernetes name, checked with `rules` (the constructs' own rules; none
 *   admits `$`, `%`, `{` or `}`);
 * - `pattern`: another known shape, checked with `rules` (a GUID, a VM size);
 * - `region`: a region name (letters and digits), then checked against the region lists;
 * - `regions`: a comma-separated list of region names.
 *
 * `free-text` takes anything except a cdktf token marker or a manifests placeholder (which cdktf
 * or the manifests tool would replace), and is escaped with {@link terraformLiteral}: the config
 * holds the text as Terraform must be given it (`$${` for `${`, `%%{` for `%{`), so it can go into
 * any attribute; a use outside Terraform JSON must undo the escapes. No setting is free text today.
 */
export type SettingKind = Setting["kind"];

interface SettingBase {
  /** The environment variable and context key. */
  readonly name: string;
  readonly field: keyof AppConfig;
  readonly default: string | undefined;
  readonly description: string;
}

/**
 * What a value from configuration is (see {@link SettingKind}): settings and the string fields of
 * environment files both declare one, and both parse through {@link parseValue}.
 */
export type ValueShape =
  | { readonly kind: "choice"; readonly choices: readonly string[] }
  | { readonly kind: "integer"; readonly integer: { readonly min: number; readonly max: number } }
  /** The value rules (for names, the same ones the constructs apply). */
  | { readonly kind: "name" | "pattern" | "region"; readonly rules: () => readonly Rule[] }
  | { readonly kind: "regions" }
  | { readonly kind: "free-text"; readonly maxLength?: number };

/** One setting: its variable name, default, meaning (the README's configuration table) and kind. */
export type Setting = SettingBase & ValueShape;

/** Whether a kind is shaped (refused unless it matches) rather than free text (escaped). */
export function isShaped(setting: ValueShape): boolean {
  return setting.kind !== "free-text";
}

export const SETTINGS: readonly Setting[] = [
  { name: "RG_NAME", field: "resourceGroupName", default: "rg-aks-workload-identity", description: "Resource group for everything", kind: "name", rules: () => R.resourceGroupName },
  { name: "LOCATION", field: "location", default: "eastus", description: "Azure region", kind: "region", rules: () => R.regionName },
  { name: "AKS_NAME", field: "aksName", default: "aks-workload-identity", description: "AKS cluster name (also its DNS prefix)", kind: "name", rules: () => [...R.aksClusterName, ...R.aksDnsPrefix] },
  { name: "AKS_NODE_COUNT", field: "aksNodeCount", default: "1", description: "System node pool size", kind: "integer", integer: { min: 1, max: 1000 } },
  { name: "AKS_NODE_VM_SIZE", field: "aksNodeVmSize", default: "Standard_D2s_v3", description: "System node VM size", kind: "pattern", rules: () => R.vmSize },
  { name: "SERVICE_ACCOUNT_NAMESPACE", field: "serviceAccountNamespace", default: "default", description: "Namespace of the service account (created unless `default`)", kind: "name", rules: () => R.workloadNamespace },
  { name: "SERVICE_ACCOUNT_NAME", field: "serviceAccountName", default: "workload-identity-sa", description: "Kubernetes service account name", kind: "name", rules: () => R.dns1123Subdomain },
  { name: "USER_ASSIGNED_IDENTITY_NAME", field: "userAssignedIdentityName", default: "myIdentity", description: "User-assigned managed identity name", kind: "name", rules: () => R.identityName },
  { name: "FEDERATED_IDENTITY_CREDENTIAL_NAME", field: "federatedIdentityCredentialName", default: "myFedIdentity", description: "Federated identity credential name", kind: "name", rules: () => R.federatedCredentialName },
  { name: "KEYVAULT_NAME", field: "keyVaultName", default: "azwi-kv-tutorial", description: "Key Vault name – globally unique: set your own", kind: "name", rules: () => R.keyVaultName },
  { name: "KEYVAULT_SECRET_NAME", field: "keyVaultSecretName", default: "my-secret", description: "Secret the sample pod reads", kind: "name", rules: () => R.keyVaultSecretName },
  { name: "KEYVAULT_PERMISSION_MODEL", field: "keyVaultPermissionModel", default: "rbac", description: "`rbac` (Key Vault Secrets User) or `access-policy` (get on secrets)", kind: "choice", choices: ["rbac", "access-policy"] },
  { name: "KEYVAULT_GRANT_SCOPE", field: "keyVaultGrantScope", default: undefined, description: "`secret` or `vault`; default `secret` for RBAC, `vault` for access policies", kind: "choice", choices: ["secret", "vault"] },
  { name: "K8S_AUTH", field: "kubernetesAuth", default: "kubelogin", description: "How the Kubernetes provider signs in: `kubelogin` (Azure AD) or `client-certificate` (local accounts)", kind: "choice", choices: ["kubelogin", "client-certificate"] },
  { name: "KUBELOGIN_MODE", field: "kubeloginMode", default: "azurecli", description: "kubelogin `--login` mode: `azurecli` (workstation), `workloadidentity` (CI with OIDC, e.g. GitHub Actions), `spn`, `msi`", kind: "choice", choices: ["azurecli", "workloadidentity", "spn", "msi"] },
  { name: "KUBELOGIN_ENV", field: "kubeloginEnvironment", default: "azurerm", description: "Which variables kubelogin's `spn`/`workloadidentity` modes read: `azurerm` (`ARM_CLIENT_ID`, `ARM_TENANT_ID`, … as the azurerm provider; `--use-azurerm-env-vars`) or `azure` (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, …)", kind: "choice", choices: ["azurerm", "azure"] },
  { name: "AKS_LOCAL_ACCOUNTS", field: "aksLocalAccounts", default: "disabled", description: "`disabled` (Azure AD only) or `enabled` (needed by K8S_AUTH=client-certificate)", kind: "choice", choices: ["disabled", "enabled"] },
  { name: "AKS_SECRETS_STORE_CSI", field: "aksSecretsStoreCsi", default: "off", description: "`on` enables the Key Vault secrets provider add-on (Secrets Store CSI driver)", kind: "choice", choices: ["off", "on"] },
  { name: "FIC_PROPAGATION_SECONDS", field: "credentialPropagationSeconds", default: "30", description: "Wait after the federated credential before the pod starts", kind: "integer", integer: { min: 0, max: 3600 } },
  { name: "ARM_SUBSCRIPTION_ID", field: "subscriptionId", default: undefined, description: "Subscription (read by the azurerm provider at deploy time; not needed to synth)", kind: "pattern", rules: () => R.subscriptionId },
  { name: "AZURE_ADDITIONAL_REGIONS", field: "additionalRegions", default: undefined, description: "Comma-separated regions to accept beyond the built-in list", kind: "regions" },
  { name: "UNSUPPORTED_FIC_REGIONS", field: "unsupportedFicRegions", default: undefined, description: "Comma-separated regions without federated credentials on user-assigned identities (replaces the built-in list)", kind: "regions" },
  { name: "KUBERNETES_OBJECTS", field: "kubernetesObjects", default: "terraform", description: "`terraform` (kubernetes provider resources) or `manifests` (GitOps YAML in cdktf.out; see README)", kind: "choice", choices: ["terraform", "manifests"] },
  { name: "STACK_LAYOUT", field: "stackLayout", default: "two-stacks", description: "`two-stacks` (platform + workload) or `single-stack`", kind: "choice", choices: ["two-stacks", "single-stack"] },
];

/** Text that cdktf or the manifests tool would replace, and so cannot be free text. */
const REPLACED = [
  { pattern: /[$#&]\{TfToken\[/, what: "a cdktf token marker (${TfToken[…]), which cdktf would replace with a reference" },
  { pattern: /\{\{tf-output:/, what: "a manifests placeholder ({{tf-output:…}}), which `npm run manifests` would fill with an output" },
];

/** Why `text` cannot be a free-text value, or undefined. */
export function freeTextProblem(text: string, maxLength = 1024): string | undefined {
  if (text.length > maxLength) return `must be at most ${maxLength} characters long (is ${text.length})`;
  const replaced = REPLACED.find((r) => r.pattern.test(text));
  return replaced && `must not contain ${replaced.what}`;
}

/**
 * Parses one value by its shape: the value (free text escaped with {@link terraformLiteral}), or
 * why it is refused (`must …`). The one place a value from configuration becomes data: settings
 * ({@link parseSetting}) and every string of an environment file go through it.
 */
export function parseValue(s: ValueShape, text: string): { readonly value: unknown } | { readonly why: string } {
  switch (s.kind) {
    case "choice":
      return s.choices.includes(text) ? { value: text } : { why: `must be one of: ${s.choices.join(", ")}` };
    case "integer": {
      const n = Number(text);
      return /^-?\d+$/.test(text.trim()) && n >= s.integer.min && n <= s.integer.max
        ? { value: n }
        : { why: `must be an integer from ${s.integer.min} to ${s.integer.max}` };
    }
    case "regions": {
      const list = regionList(text);
      for (const entry of list ?? []) {
        const why = R.firstProblem(entry, R.regionName);
        if (why !== undefined) return { why: `has the entry ${JSON.stringify(entry)}, which ${why}` };
      }
      return { value: list };
    }
    case "name":
    case "pattern":
    case "region": {
      const why = R.firstProblem(text, s.rules());
      return why === undefined ? { value: text } : { why };
    }
    case "free-text": {
      const why = freeTextProblem(text, s.maxLength);
      return why === undefined ? { value: terraformLiteral(text) } : { why };
    }
  }
}

/** Parses one setting's text by its kind: the value, or the problem as `NAME "value" must …`. */
export function parseSetting(s: Setting, text: string): { readonly value: unknown } | { readonly problem: string } {
  const parsed = parseValue(s, text);
  return "why" in parsed ? { problem: `${s.name} ${JSON.stringify(text)} ${parsed.why}` } : parsed;
}

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
    const parsed = parseSetting(s, text);
    if ("problem" in parsed) problems.push(parsed.problem);
    else values[s.field] = parsed.value;
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

/** Only the region-list settings (environment files take everything else from the files). */
export function loadRegionSettings(lookup: (name: string) => string | undefined): Pick<AppConfig, "additionalRegions" | "unsupportedFicRegions"> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const s of SETTINGS.filter((x) => x.kind === "regions")) {
    const raw = lookup(s.name);
    if (raw === undefined || raw === "") continue;
    const parsed = parseSetting(s, raw);
    if ("problem" in parsed) problems.push(parsed.problem);
    else values[s.field] = parsed.value;
  }
  if (problems.length) throw new ConfigError(problems);
  return values;
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
