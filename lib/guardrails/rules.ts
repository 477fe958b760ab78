/**
 * Value rules: what Azure, Entra and Kubernetes accept, each with its source. A rule returns
 * `undefined` when the value is fine, or the reason it is not ("must be …"); the caller adds
 * the field and the value.
 */
import { isIPv4 } from "net";
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

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

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
 * AKS issuers (`https://<region>.oic.prod-aks.azure.com/<tenant>/<guid>/`, and the older
 * `https://oidc.prod-aks.azure.com/<guid>/`) end with a slash, and so does the `iss` claim of every
 * token the cluster signs. Entra compares issuers byte for byte, so a hand-copied AKS issuer without
 * the slash fails every exchange (AADSTS700211 / AADSTS70021). Other issuers are left as given:
 * many (EKS, GKE, GitHub) have no trailing slash.
 */
const aksIssuerTrailingSlash: Rule = (v) => {
  // Runs after publiclyReachableIssuer, which refuses a URL that does not parse; the parser lowercases the host.
  if (!/(^|\.)oic\.prod-aks\.azure\.com$|^oidc\.prod-aks\.azure\.com$/.test(new URL(v).hostname)) return undefined;
  return v.endsWith("/")
    ? undefined
    : "must end with '/': AKS issuers do, tokens carry the slash in their iss claim, and Entra matches it exactly (AADSTS700211); better, pass the cluster instead of a string";
};

/**
 * True for an IPv4 address (as the URL parser writes it, dotted decimal) in a range the internet cannot
 * route to (RFC 1918, loopback, link-local, CGNAT, this network).
 */
function privateIPv4(host: string): boolean {
  if (!isIPv4(host)) return false;
  const [a, b] = host.split(".").map(Number);
  return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

/**
 * True for a global unicast IPv6 address, 2000::/3, the only range the internet routes to hosts.
 * The URL parser writes IPv6 hosts bracketed, compressed and without leading zeros (`[2001:db8::1]`,
 * `[::1]`), so the first group is the text up to the first ':' (empty for `[::…]`).
 */
function globalUnicastIPv6(host: string): boolean {
  const first = Number.parseInt(host.slice(1).split(":")[0], 16);
  return first >= 0x2000 && first <= 0x3fff;
}

/** Host suffixes that only resolve inside a cluster or a private network. */
const PRIVATE_HOST_SUFFIXES = [".localhost", ".local", ".internal", ".svc", ".cluster.local", ".lan", ".home.arpa", ".intranet", ".corp"];

/**
 * Entra fetches the issuer's `/.well-known/openid-configuration` and signing keys from the public
 * internet when it checks a token: an issuer at `localhost`, a cluster-internal name
 * (`kubernetes.default.svc`), a single-label host or a private address can never be reached, and
 * every token exchange fails.
 * https://azure.github.io/azure-workload-identity/docs/installation/self-managed-clusters/oidc-issuer.html
 */
const publiclyReachableIssuer: Rule = (v) => {
  let hostname: string;
  try {
    // The WHATWG URL parser reads the host as HTTP clients do: without user info and port, names
    // lowercased and percent-decoded, a name ending in a number read as IPv4 (`127.1` is 127.0.0.1,
    // `10.0.0.1.5` is no address at all), IPv6 compressed in brackets.
    hostname = new URL(v).hostname;
  } catch {
    return "must have a host that parses: a DNS name, an IPv4 address or a bracketed IPv6 address, with a numeric port (a name whose last label is a number is read as an IPv4 address)";
  }
  const host = hostname.replace(/\.$/, "");
  const reason =
    host === "localhost" || PRIVATE_HOST_SUFFIXES.some((s) => host.endsWith(s))
      ? `${host} resolves only on a private network or inside a cluster`
      : host.startsWith("[")
        ? globalUnicastIPv6(host)
          ? undefined
          : `${host} is a loopback, private or link-local IPv6 address, or another outside the global unicast range 2000::/3`
        : privateIPv4(host)
          ? `${host} is a private, loopback or link-local address`
          : !host.includes(".")
            ? `${host} is a single-label host name, which does not resolve on the internet`
            : undefined;
  return reason
    ? `must be reachable from the internet: Entra fetches the issuer's OpenID configuration and keys to check every token, and ${reason}; publish the issuer's discovery document at a public https URL`
    : undefined;
};

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
  publiclyReachableIssuer,
  aksIssuerTrailingSlash,
  // The https:// check above leaves no '//' before the path.
  (v) =>
    v.slice("https://".length).includes("//")
      ? "must not contain '//' in its path: it looks assembled from parts with a doubled slash, and Entra compares the token's iss claim byte for byte"
      : undefined,
];

/** Edit distance (Levenshtein), for "looks like a misspelling of". */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

const KUBERNETES_SUBJECT_PREFIX = "system:serviceaccount";

/**
 * A subject that looks like a Kubernetes service-account subject but is spelled differently
 * (`system:serviceacount:…`, `System:ServiceAccount:…`, the group `system:serviceaccounts:…`):
 * no Kubernetes token carries it, so the credential can never match.
 */
const notMisspelledKubernetesSubject: Rule = (v) => {
  const head = v.split(":").slice(0, 2).join(":");
  if (head === KUBERNETES_SUBJECT_PREFIX || v.split(":").length < 3) return undefined;
  return editDistance(head.toLowerCase(), KUBERNETES_SUBJECT_PREFIX) <= 3
    ? `looks like a Kubernetes service account subject but starts with ${JSON.stringify(head)}; ` +
        "Kubernetes tokens carry exactly system:serviceaccount:<namespace>:<service account>"
    : undefined;
};

/** Any federated subject: at most 600 characters, no wildcard, not a misspelled Kubernetes subject. */
export const subject: readonly Rule[] = [nonEmpty, noSurroundingWhitespace, at600, noWildcard, notMisspelledKubernetesSubject];

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
export const tenantId: readonly Rule[] = [matches(GUID, "a GUID (tenant id)")];

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

/**
 * Namespaces every cluster has: creating one fails with AlreadyExists (the kubernetes provider's
 * `kubernetes_namespace_v1` create is a plain POST). `default` and `kube-public` can hold workloads;
 * `kube-system` cannot (see {@link workloadNamespace}).
 */
export const BUILT_IN_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * Every namespace has a service account named `default`, so `kubernetes_service_account_v1` named
 * `default` fails with AlreadyExists; and federating it would give the identity to every pod of
 * the namespace that names no service account.
 */
export const workloadServiceAccountName: readonly Rule[] = [
  (v) =>
    v === "default"
      ? "already exists in every namespace (creating it fails with AlreadyExists) and is used by every pod that names no service account; use a dedicated service account"
      : undefined,
];

/**
 * A GitOps manifests directory: a relative path inside the stack's synth output, `/`-separated
 * names of letters, digits, `.`, `_` and `-`, none starting with `.`. Synth replaces the files it
 * wrote there, so a path that could leave the output (`..`, an absolute path) or name the output
 * itself (`.`, empty) is refused before a file is touched.
 */
export const manifestsDirectory: readonly Rule[] = [
  lengthBetween(1, 200),
  (v) => (v.startsWith("/") || /^[A-Za-z]:/.test(v) || v.includes("\\") ? "must be a relative path with '/' separators (inside the stack's synth output)" : undefined),
  (v) =>
    v.split("/").some((part) => part === "." || part === "..")
      ? "must not contain '.' or '..' segments: synth replaces its files there, so the directory must stay inside the stack's synth output"
      : undefined,
  matches(
    /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/,
    "'/'-separated names of letters, digits, '.', '_' and '-', none empty or starting with '.' (manifests directory)",
  ),
];

/**
 * Environment variable names: the API server rejects an empty name and one containing '=' (core/v1
 * validation; since Kubernetes 1.32 `RelaxedEnvironmentVariableValidation` is on by default and
 * allows any other printable ASCII; older clusters allow only `[-._a-zA-Z][-._a-zA-Z0-9]*`).
 */
export const envVarName: readonly Rule[] = [
  lengthBetween(1, 1024),
  matches(/^[!-<>-~]+$/, "printable ASCII without spaces or '=' (environment variable name)"),
];

/**
 * A duration as `time_sleep.create_duration` accepts it: one number and one unit, `ms`, `s`, `m` or
 * `h` (terraform-provider-time v0.13.1 internal/provider/resource_time_sleep.go validates
 * `^[0-9]+(\.[0-9]+)?(ms|s|m|h)$`; compound values such as `1m30s` fail `terraform validate`).
 */
export const duration: readonly Rule[] = [
  matches(/^[0-9]+(\.[0-9]+)?(ms|s|m|h)$/, 'one number and one unit, such as "30s", "90s" or "2m" (ms, s, m or h; not "1m30s")'),
];

/**
 * An RFC 3339 instant in UTC with whole seconds, `2027-01-01T00:00:00Z`. azurerm 4.55 sends
 * `expiration_date` as Unix seconds and reads it back as `time.Time(…).Format(time.RFC3339)` of a
 * UTC time (internal/services/keyvault/key_vault_secret_resource.go, resourceKeyVaultSecretRead;
 * go-autorest date.UnixTime): an offset or fractional seconds (`toISOString()` writes `.000Z`)
 * would apply and then show an update on every plan.
 */
export const utcTimestamp: readonly Rule[] = [
  (v) => {
    const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v) && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v.replace("Z", ".000Z");
    if (canonical) return undefined;
    const t = Date.parse(v);
    const hint = Number.isNaN(t) ? "" : ` (${new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z")} is the same instant${t % 1000 ? ", less the fraction" : ""})`;
    return `must be an RFC 3339 time in UTC with whole seconds, such as "2027-01-01T00:00:00Z"${hint}: azurerm reads it back in that form, so any other spelling changes on every plan`;
  },
];

// The image reference grammar of the container runtimes (kubelet refuses anything else with
// InvalidImageName): github.com/distribution/reference v0.6.0 regexp.go `ReferenceRegexp`, with
// Go's `\w` (ASCII, as JavaScript's without the `u` flag) and `[[:xdigit:]]` spelled out.
const IMAGE_ALPHANUMERIC = "[a-z0-9]+";
const IMAGE_SEPARATOR = "(?:[._]|__|[-]+)";
const IMAGE_PATH_COMPONENT = `${IMAGE_ALPHANUMERIC}(?:${IMAGE_SEPARATOR}${IMAGE_ALPHANUMERIC})*`;
const IMAGE_DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const IMAGE_HOST = `(?:${IMAGE_DOMAIN_COMPONENT}(?:\\.${IMAGE_DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])`;
const IMAGE_NAME = `(?:${IMAGE_HOST}(?::[0-9]+)?/)?${IMAGE_PATH_COMPONENT}(?:/${IMAGE_PATH_COMPONENT})*`;
const IMAGE_TAG = "[\\w][\\w.-]{0,127}";
const IMAGE_DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
/** `^(name)(?::(tag))?(?:@(digest))?$`, as distribution/reference's `ReferenceRegexp`. */
const IMAGE_REFERENCE = new RegExp(`^(${IMAGE_NAME})(?::(${IMAGE_TAG}))?(?:@(${IMAGE_DIGEST}))?$`);

/**
 * A container image reference, by the distribution reference grammar: `[host[:port]/]path[:tag][@digest]`,
 * the path in lowercase letters, digits and single separators, the name (host and path) at most 255
 * characters (distribution/reference v0.5.0 reference.go `NameTotalLengthMax`, checked on the whole
 * name). No reference holds `$`, `%`, `{`, `}` or whitespace.
 */
export const imageReference: readonly Rule[] = [
  nonEmpty,
  (v) => {
    const m = IMAGE_REFERENCE.exec(v);
    if (!m) return "must be an image reference ([registry[:port]/]repository[:tag][@digest], the repository in lowercase letters, digits, '.', '_' and '-'), e.g. ghcr.io/org/app:1.2.3";
    return m[1].length > 255 ? `must have a name (registry and repository) of at most 255 characters (is ${m[1].length})` : undefined;
  },
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

/**
 * Annotation key: a label key compared in lower case (core/v1 ValidateAnnotations checks
 * `IsQualifiedName(strings.ToLower(k))`), so `Example.COM/x` is a valid annotation key and not a
 * valid label key.
 */
export const annotationKey: readonly Rule[] = [(v) => firstProblem(v.toLowerCase(), labelKey)?.replace("(label key)", "(annotation key)")];

/**
 * A resource quantity as the API server parses it (apimachinery resource.ParseQuantity): a
 * non-negative decimal number with an optional binary (`Ki`…`Ei`), decimal (`n`, `u`, `m`, `k`,
 * `M`…`E`) or exponent (`e3`) suffix.
 */
export const quantity: readonly Rule[] = [
  matches(/^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$/, 'a Kubernetes quantity such as "250m", "0.5", "128Mi" or "1G"'),
];

const QUANTITY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a quantity that passes {@link quantity}, as a number (precise enough to compare requests with limits). */
export function quantityValue(v: string): number {
  const [, number, suffix] = /^\+?([0-9]*\.?[0-9]*)(.*)$/.exec(v)!;
  // A suffix that is not a binary or decimal one is an exponent (`e3`, `E-2`); `E` alone is exa.
  return Number(number) * (QUANTITY_SUFFIX[suffix] ?? 10 ** Number(suffix.slice(1)));
}

/** A security-context user or group id: an integer from 0 to 2147483647 (core/v1: int64, non-negative, at most MaxInt32). */
export const securityContextId: readonly Rule[] = [
  (v) => (/^[0-9]+$/.test(v) && Number(v) <= 2147483647 ? undefined : "must be an integer from 0 to 2147483647 (user id)"),
];

/**
 * A Go duration (`time.ParseDuration`): one or more number-unit pairs, such as `2m`, `90s` or
 * `1m30s`. The AKS secrets-store add-on reads its rotation interval this way.
 */
export const goDuration: readonly Rule[] = [
  matches(/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/, 'a Go duration such as "2m", "90s" or "1m30s"'),
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

/**
 * A real Azure region. `howToAdd` completes "if the region is new, add it with …": the app takes
 * the AZURE_ADDITIONAL_REGIONS setting, a library user the `azwi:additionalRegions` context key.
 */
export function knownRegion(settings: RegionSettings = {}, howToAdd = "the azwi:additionalRegions context key"): Rule {
  // Stryker disable next-line ArrayDeclaration: an entry in place of "none" never equals a normalized region (lowercase, no spaces), so it changes no result
  const additional = settings.additionalRegions ?? [];
  const known = new Set([...AZURE_REGIONS, ...additional]);
  return (v) =>
    known.has(normalizeRegion(v))
      ? undefined
      : "must be an Azure region such as eastus or westeurope (`az account list-locations -o table`); " +
        `if the region is new, add it with ${howToAdd}`;
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

// ---- Configuration as data: shapes of the app's settings that are not names --------

/** A GUID, named for what it identifies (client id, object id, …). */
export function guid(what: string): readonly Rule[] {
  return [matches(GUID, `a GUID (${what})`)];
}

/** Azure subscription ids are GUIDs (`az account show --query id`). */
export const subscriptionId: readonly Rule[] = [matches(GUID, "a GUID (subscription id), e.g. 00000000-0000-0000-0000-000000000000")];

/**
 * VM size: `Standard_` then letters, digits, `_` and `-` – `Standard_D2s_v3`, `Standard_NC24ads_A100_v4`,
 * and the constrained-vCPU sizes with a `-` such as `Standard_DS13-4_v2` (Microsoft Learn, "Virtual
 * machine sizes overview", naming conventions; the VirtualMachineSizeTypes list of the compute API).
 * The `Basic_` sizes are retired and AKS does not offer them.
 */
export const vmSize: readonly Rule[] = [
  lengthBetween(10, 64),
  matches(/^Standard_[A-Za-z0-9][A-Za-z0-9_-]*$/, "a VM size such as Standard_D2s_v3: 'Standard_' then letters, digits, '_' and '-'"),
];

/**
 * A region's programmatic name: letters and digits once spaces are removed and case folded
 * (`East US` → `eastus`, as the azurerm provider normalizes; see ./regions `normalizeRegion`).
 */
export const regionName: readonly Rule[] = [
  (v) =>
    /^[a-z][a-z0-9]{1,63}$/.test(normalizeRegion(v))
      ? undefined
      : "must be a region name: letters and digits, such as eastus or westeurope (`az account list-locations -o table`)",
];

// ---- Azure tags, versions, networks ---------------------------------------------------------------

/**
 * Azure tag names: at most 512 characters (128 for storage accounts), none of `<>%&\?/`; values at
 * most 256 characters; at most 50 tags per resource.
 * https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations
 */
export const tagName: readonly Rule[] = [
  lengthBetween(1, 512),
  (v) => (/[<>%&\\?/]/.test(v) ? "must not contain < > % & \\ ? or / (Azure tag name)" : undefined),
];
export const tagValue: readonly Rule[] = [(v) => (v.length > 256 ? `must be at most 256 characters (Azure tag value; is ${v.length})` : undefined)];
export const MAX_TAGS = 50;

/** An AKS Kubernetes version: `1.31` (latest patch) or `1.31.2`. */
export const kubernetesVersion: readonly Rule[] = [matches(/^[1-9][0-9]*\.[0-9]+(\.[0-9]+)?$/, 'a Kubernetes version such as "1.31" or "1.31.2"')];

/** An availability zone as AKS takes it: "1", "2" or "3". */
export const availabilityZone: readonly Rule[] = [matches(/^[123]$/, 'an availability zone: "1", "2" or "3"')];

/** A Key Vault network rule address: an IPv4 address or CIDR range (Key Vault's firewall takes IPv4 only). */
export const ipv4OrCidr: readonly Rule[] = [
  (v) => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/.exec(v);
    const ok = m && [1, 2, 3, 4].every((i) => Number(m[i]) <= 255) && (m[6] === undefined || Number(m[6]) <= 32);
    return ok ? undefined : 'must be an IPv4 address or CIDR range such as "203.0.113.7" or "203.0.113.0/24" (Key Vault takes IPv4 only)';
  },
];

/** A subnet's Azure resource id. */
export const subnetId: readonly Rule[] = [
  matches(
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i,
    "a subnet resource id: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
  ),
];
