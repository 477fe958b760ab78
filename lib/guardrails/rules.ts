/**
 * Value rules: what Azure, Entra and Kubernetes accept, each with its source. A rule returns
 * `undefined` when the value is fine, or the reason it is not ("must be …"); the caller adds
 * the field and the value.
 */
import { AZURE_REGIONS, UNSUPPORTED_FIC_REGIONS, UNSUPPORTED_FIC_REGIONS_URL, normalizeRegion } from "./regions";

export type Rule<T = string> = (value: T) => string | undefined;

export const nonEmpty: Rule = (v) => (v.trim().length === 0 ? "must not be empty" : undefined);

export const noSurroundingWhitespace: Rule = (v) =>
  v !== v.trim() ? "must not start or end with whitespace" : undefined;

export function lengthBetween(min: number, max: number): Rule {
  return (v) => (v.length < min || v.length > max ? `must be ${min}–${max} characters long (is ${v.length})` : undefined);
}

export function matches(pattern: RegExp, description: string): Rule {
  return (v) => (pattern.test(v) ? undefined : `must be ${description}`);
}

export function integerBetween(min: number, max: number): Rule<number> {
  return (v) => (Number.isInteger(v) && v >= min && v <= max ? undefined : `must be an integer from ${min} to ${max}`);
}

/** Runs rules in order and returns the first failure. */
export function firstProblem<T>(value: T, rules: readonly Rule<T>[]): string | undefined {
  for (const rule of rules) {
    const why = rule(value);
    if (why !== undefined) return why;
  }
  return undefined;
}

// ---- Azure resource names --------------------------------------------------------------------

/**
 * AKS cluster name: 1–63, alphanumerics, `_` and `-`, starting and ending alphanumeric.
 * azurerm internal/services/containers/validate/kubernetes.go `KubernetesClusterName`; ARM
 * managedClusters `resourceName` pattern; https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftcontainerservice
 */
export const aksClusterName: readonly Rule[] = [
  lengthBetween(1, 63),
  matches(/^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/, "letters, digits, '-' and '_', starting and ending with a letter or digit (AKS cluster name)"),
];

/** AKS DNS prefix: 1–54, alphanumerics and `-`, starting and ending alphanumeric. azurerm `KubernetesDNSPrefix`. */
export const aksDnsPrefix: readonly Rule[] = [
  lengthBetween(1, 54),
  matches(/^[a-zA-Z0-9]$|^[a-zA-Z0-9][-a-zA-Z0-9]{0,52}[a-zA-Z0-9]$/, "letters, digits and '-', starting and ending with a letter or digit (AKS DNS prefix)"),
];

/** Linux node pool name: 1–12 lowercase letters and digits, starting with a letter. azurerm `KubernetesAgentPoolName`. */
export const nodePoolName: readonly Rule[] = [
  lengthBetween(1, 12),
  matches(/^[a-z][a-z0-9]{0,11}$/, "lowercase letters and digits, starting with a letter (AKS node pool name)"),
];

/**
 * User-assigned identity name: 3–128, alphanumerics, `-`, `_`, starting alphanumeric.
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftmanagedidentity
 * (azurerm does not validate it; ARM rejects at apply).
 */
export const identityName: readonly Rule[] = [
  lengthBetween(3, 128),
  matches(/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/, "letters, digits, '-' and '_', starting with a letter or digit (managed identity name)"),
];

/**
 * Federated identity credential name: 3–120, alphanumerics, `-`, `_`, starting alphanumeric.
 * ARM swagger Microsoft.ManagedIdentity 2023-01-31 `FederatedIdentityCredentialResourceNameParameter`;
 * https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations
 */
export const federatedCredentialName: readonly Rule[] = [
  lengthBetween(3, 120),
  matches(/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$/, "letters, digits, '-' and '_', starting with a letter or digit (federated credential name)"),
];

/** Entra: issuer, subject and audience are at most 600 characters, with no wildcards (same page as above). */
const at600 = lengthBetween(1, 600);
const noWildcard: Rule = (v) => (v.includes("*") ? "must not contain wildcards: Entra matches issuer and subject exactly" : undefined);

/**
 * Issuer URL: https, at most 600 characters, no whitespace, no wildcard. Matching is exact and
 * case-sensitive (AADSTS70021 otherwise), so prefer the cluster attribute to a typed string.
 */
export const issuerUrl: readonly Rule[] = [
  nonEmpty,
  noSurroundingWhitespace,
  at600,
  noWildcard,
  matches(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, "an https:// URL with no spaces, query or fragment (federated credential issuer)"),
];

/** Any federated subject: at most 600 characters, no wildcard. */
export const subject: readonly Rule[] = [nonEmpty, noSurroundingWhitespace, at600, noWildcard];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes service account subject, `system:serviceaccount:<namespace>:<name>`. */
export const kubernetesSubject: readonly Rule[] = [
  ...subject,
  (v) => {
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(v);
    if (!m) return "must have the form system:serviceaccount:<namespace>:<service account>";
    if (!DNS1123_LABEL.test(m[1]) || m[1].length > 63) return `must name a valid namespace (${JSON.stringify(m[1])} is not a DNS-1123 label)`;
    if (!DNS1123_SUBDOMAIN.test(m[2]) || m[2].length > 253) return `must name a valid service account (${JSON.stringify(m[2])} is not a DNS-1123 subdomain)`;
    return undefined;
  },
];

/**
 * Key Vault name: 3–24, letters, digits, `-`; starts with a letter, ends with a letter or digit,
 * no `--`. azurerm internal/services/keyvault/validate/vault_name.go `VaultName`;
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault
 */
export const keyVaultName: readonly Rule[] = [
  lengthBetween(3, 24),
  matches(/^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/, "letters, digits and '-', starting with a letter and ending with a letter or digit (Key Vault name)"),
  (v) => (v.includes("--") ? "must not contain consecutive hyphens (Key Vault name)" : undefined),
];

/**
 * Key Vault secret name: 1–127 letters, digits and `-`. azurerm
 * internal/services/keyvault/validate/nested_item_name.go `NestedItemName` (pattern) and the
 * Learn naming rules page (length).
 */
export const keyVaultSecretName: readonly Rule[] = [
  lengthBetween(1, 127),
  matches(/^[a-zA-Z0-9-]+$/, "letters, digits and '-' only (Key Vault secret name)"),
];

/**
 * Resource group name: 1–90 of letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.`.
 * azurerm (go-azure-helpers resourcegroups.ValidateName, ASCII only – stricter than ARM).
 */
export const resourceGroupName: readonly Rule[] = [
  lengthBetween(1, 90),
  matches(/^[-\w.()]+$/, "ASCII letters, digits, '_', '-', '.', '(' and ')' (resource group name)"),
  (v) => (v.endsWith(".") ? "must not end with '.' (resource group name)" : undefined),
];

/** Entra tenant ids are GUIDs. */
export const tenantId: readonly Rule[] = [
  matches(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "a GUID (tenant id)"),
];

/** `azure.workload.identity/service-account-token-expiration`: 3600–86400 seconds (azure-workload-identity docs). */
export const tokenExpirationSeconds: readonly Rule<number>[] = [integerBetween(3600, 86400)];

// ---- Kubernetes --------------------------------------------------------------------------------

/** DNS-1123 label (namespaces, container names): ≤ 63, lowercase alphanumerics and `-`. */
export const dns1123Label: readonly Rule[] = [
  lengthBetween(1, 63),
  matches(DNS1123_LABEL, "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"),
];

/** DNS-1123 subdomain (service accounts, pods): ≤ 253, labels joined by `.`. */
export const dns1123Subdomain: readonly Rule[] = [
  lengthBetween(1, 253),
  matches(DNS1123_SUBDOMAIN, "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit"),
];

/** The AKS workload identity webhook ignores kube-system: pods there never get a token. */
export const workloadNamespace: readonly Rule[] = [
  ...dns1123Label,
  (v) => (v === "kube-system" ? "is ignored by the workload identity webhook: pods there never get a token" : undefined),
];

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Label key: optional DNS-1123 subdomain prefix (≤ 253) and `/`, then a name of ≤ 63
 * alphanumerics, `-`, `_`, `.` starting and ending alphanumeric.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
export const labelKey: readonly Rule[] = [
  (v) => {
    const parts = v.split("/");
    if (parts.length > 2) return "must have at most one '/' (label key)";
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
      return "must have a DNS-1123 subdomain prefix before '/' (label key)";
    }
    if (!LABEL_NAME.test(name)) {
      return "must have a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (label key)";
    }
    return undefined;
  },
];

/** Label value: empty, or ≤ 63 alphanumerics, `-`, `_`, `.` starting and ending alphanumeric. */
export const labelValue: readonly Rule[] = [
  (v) => (v === "" || LABEL_NAME.test(v) ? undefined : "must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (label value)"),
];

// ---- Regions -----------------------------------------------------------------------------------

/** Region lists a check uses; defaults from ./regions, overridable through context. */
export interface RegionSettings {
  readonly additionalRegions?: readonly string[];
  readonly unsupportedFicRegions?: readonly string[];
}

/** A real Azure region. */
export function knownRegion(settings: RegionSettings = {}): Rule {
  const known = new Set([...AZURE_REGIONS, ...(settings.additionalRegions ?? [])]);
  return (v) =>
    known.has(normalizeRegion(v))
      ? undefined
      : "must be an Azure region such as eastus or westeurope (`az account list-locations -o table`); " +
        "if the region is new, add it with the azwi:additionalRegions context key";
}

/** A region where user-assigned identities can hold federated credentials. */
export function federationRegion(settings: RegionSettings = {}): Rule {
  const unsupported = new Set(settings.unsupportedFicRegions ?? UNSUPPORTED_FIC_REGIONS);
  return (v) =>
    unsupported.has(normalizeRegion(v))
      ? "is a region where user-assigned managed identities cannot hold federated identity credentials " +
        `(${UNSUPPORTED_FIC_REGIONS_URL}); create the identity in a supported region – it can still be used from this one`
      : undefined;
}
