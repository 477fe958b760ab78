import { Construct } from "constructs";
import { isUnresolved } from "./internal";
import type { AksWithOidcProps, ExistingAksProps } from "./aks-with-oidc";
import type { FederatedWorkloadProps, WorkloadPodProps } from "./federated-workload";
import type { WorkloadKeyVaultProps } from "./key-vault";
import type { KeyVaultSecretAccessProps } from "./key-vault-secret-access";
import type { FederatedCredentialOptions, ManagedIdentityProps } from "./managed-identity";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "./constants";

/**
 * A rule returns `undefined` when the value is fine, or the reason it is not ("must be …").
 * Rules never see cdktf tokens: values unknown until apply are skipped.
 */
export type Rule<T = string> = (value: T) => string | undefined;

/**
 * Collects the problems of one construct's props and reports them all at synth time through
 * `node.addValidation`, each naming the field, the value and the rule.
 */
export class Problems {
  private readonly messages: string[] = [];

  /** `label` names the field as the user wrote it (a prop path or an environment variable). */
  public check<T>(label: string, value: T | undefined, ...rules: Rule<T>[]): this {
    if (value === undefined || isUnresolved(value)) return this;
    for (const rule of rules) {
      const why = rule(value);
      if (why !== undefined) {
        this.messages.push(`${label} ${JSON.stringify(value)} ${why}`);
        return this;
      }
    }
    return this;
  }

  /** Records a problem that is not about a single value. */
  public add(message: string): this {
    this.messages.push(message);
    return this;
  }

  public get list(): readonly string[] {
    return this.messages;
  }

  /** Registers the collected problems on `scope`; the synth fails listing all of them. */
  public report(scope: Construct): void {
    if (this.messages.length === 0) return;
    const messages = [...this.messages];
    scope.node.addValidation({ validate: () => messages });
  }
}

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

export function validateAksWithOidcProps(scope: Construct, props: AksWithOidcProps): void {
  const p = new Problems();
  p.check("AksWithOidc.name", props.name, nonEmpty, noSurroundingWhitespace);
  p.check("AksWithOidc.resourceGroupName", props.resourceGroupName, nonEmpty, noSurroundingWhitespace);
  p.check("AksWithOidc.location", props.location, nonEmpty, noSurroundingWhitespace);
  p.check("AksWithOidc.systemNodePool.nodeCount", props.systemNodePool?.nodeCount, integerBetween(1, 1000));
  p.report(scope);
}

export function validateExistingAksProps(scope: Construct, props: ExistingAksProps): void {
  const p = new Problems();
  p.check("AksWithOidc.fromExisting name", props.name, nonEmpty, noSurroundingWhitespace);
  p.check("AksWithOidc.fromExisting resourceGroupName", props.resourceGroupName, nonEmpty, noSurroundingWhitespace);
  p.report(scope);
}

export function validateManagedIdentityProps(scope: Construct, props: ManagedIdentityProps): void {
  const p = new Problems();
  p.check("ManagedIdentity.name", props.name, nonEmpty, noSurroundingWhitespace);
  p.check("ManagedIdentity.resourceGroupName", props.resourceGroupName, nonEmpty, noSurroundingWhitespace);
  p.check("ManagedIdentity.location", props.location, nonEmpty, noSurroundingWhitespace);
  p.report(scope);
}

/**
 * Checks one federated credential against Entra's rules and against the credentials its identity
 * already has (`existingCount`, and `trusted`: the issuer + subject pairs seen so far, updated here).
 */
export function validateFederatedCredential(
  scope: Construct,
  options: FederatedCredentialOptions,
  existingCount: number,
  trusted: Set<string>,
): void {
  const p = new Problems();
  p.check("federated credential name", options.name, nonEmpty);
  p.check("federated credential issuer", options.issuer, nonEmpty, noSurroundingWhitespace, matches(/^https:\/\//, "an https:// URL"));
  p.check("federated credential subject", options.subject, nonEmpty, noSurroundingWhitespace);
  if (existingCount >= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) {
    p.add(
      `federated credential ${JSON.stringify(options.name)} would be number ${existingCount + 1} on its managed identity; ` +
        `Entra allows at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per identity – use another identity`,
    );
  }
  // Keyed on the raw strings: an unresolved issuer is the same token string wherever the same
  // cluster attribute is passed on, so a repeated cluster + subject is caught before apply too.
  const key = `${options.issuer}\n${options.subject}`;
  if (trusted.has(key)) {
    p.add(
      `federated credential ${JSON.stringify(options.name)} repeats the issuer and subject ${JSON.stringify(options.subject)} ` +
        `already trusted by its managed identity; issuer + subject must be unique per identity`,
    );
  }
  trusted.add(key);
  p.report(scope);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes DNS-1123 label: namespaces, container names. */
export const dns1123Label: Rule[] = [
  lengthBetween(1, 63),
  matches(DNS1123_LABEL, "a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric"),
];

/** Kubernetes DNS-1123 subdomain: service accounts, pods. */
export const dns1123Subdomain: Rule[] = [
  lengthBetween(1, 253),
  matches(DNS1123_SUBDOMAIN, "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending alphanumeric"),
];

export function validateFederatedWorkloadProps(
  scope: Construct,
  props: FederatedWorkloadProps,
  namespace: string,
): void {
  const p = new Problems();
  p.check("FederatedWorkload.namespace", namespace, ...dns1123Label, (v) =>
    v === "kube-system" ? "is ignored by the workload identity webhook: pods there never get a token" : undefined,
  );
  p.check("FederatedWorkload.serviceAccountName", props.serviceAccountName, ...dns1123Subdomain);
  if (typeof props.issuer === "string") {
    p.check("FederatedWorkload.issuer", props.issuer, nonEmpty, noSurroundingWhitespace, matches(/^https:\/\/\S+$/, "an https:// URL"));
  }
  p.check("FederatedWorkload.tokenExpirationSeconds", props.tokenExpirationSeconds, integerBetween(3600, 86400));
  p.report(scope);
}

export function validatePodProps(scope: Construct, id: string, props: WorkloadPodProps): void {
  const p = new Problems();
  p.check(`pod ${id} name`, props.name, ...dns1123Subdomain);
  if (props.containers.length === 0) p.add(`pod ${id} has no containers; add at least one`);
  for (const c of props.containers) p.check(`pod ${id} container name`, c.name, ...dns1123Label);
  p.report(scope);
}

export function validateWorkloadKeyVaultProps(scope: Construct, props: WorkloadKeyVaultProps): void {
  const p = new Problems();
  p.check("WorkloadKeyVault.name", props.name, nonEmpty, noSurroundingWhitespace);
  p.check("WorkloadKeyVault.resourceGroupName", props.resourceGroupName, nonEmpty, noSurroundingWhitespace);
  p.check("WorkloadKeyVault.location", props.location, nonEmpty, noSurroundingWhitespace);
  p.check("WorkloadKeyVault.softDeleteRetentionDays", props.softDeleteRetentionDays, integerBetween(7, 90));
  p.report(scope);
}

export function validateKeyVaultSecretAccessProps(
  scope: Construct,
  props: KeyVaultSecretAccessProps,
  permissionModel: string,
  grantScope: string,
): void {
  const p = new Problems();
  if (props.secrets.length === 0) p.add("KeyVaultSecretAccess.secrets is empty; grant at least one secret");
  const seen = new Set<string>();
  for (const s of props.secrets) {
    p.check("KeyVaultSecretAccess secret name", s.name, nonEmpty);
    if (seen.has(s.name)) p.add(`KeyVaultSecretAccess secret name ${JSON.stringify(s.name)} is listed twice`);
    seen.add(s.name);
    if (s.existing && s.value !== undefined) {
      p.add(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} is marked existing but has a value; drop one of them`);
    }
    p.check(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} valueVersion`, s.valueVersion, integerBetween(1, Number.MAX_SAFE_INTEGER));
  }
  if (permissionModel === "access-policy" && grantScope === "secret") {
    p.add(
      'KeyVaultSecretAccess.grantScope "secret" is impossible on an access-policy vault: access policies apply to the whole vault; ' +
        'use grantScope "vault" or an RBAC vault',
    );
  }
  p.report(scope);
}
