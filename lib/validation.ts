import { Construct, IConstruct } from "constructs";
import { isUnresolved } from "./core/internal";
import type { AksWithOidcProps, ExistingAksProps } from "./azure/aks-with-oidc";
import type { FederatedApplicationWorkloadProps } from "./workloads/federated-application";
import type { WorkloadDeploymentProps, WorkloadPodProps, WorkloadPodTemplate } from "./kubernetes/kubernetes-objects";
import type { SecretProviderClassProps, WorkloadKubernetesProps } from "./kubernetes/workload-base";
import type { WorkloadKeyVaultProps } from "./azure/key-vault";
import type { ContainerRegistryAccessProps } from "./azure/container-registry";
import type { KeyVaultSecretAccessProps } from "./azure/key-vault-secret-access";
import type { FederatedCredentialOptions, ManagedIdentityProps } from "./azure/managed-identity";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "./core/constants";
import * as R from "./guardrails/rules";
import { regionList } from "./guardrails/regions";

export type { Rule } from "./guardrails/rules";

/**
 * Collects the problems of one construct's props and reports them all at synth time through
 * `node.addValidation`, each naming the field, the value and the rule. cdktf prefixes each with
 * the construct path and lists every problem of the stack in one error.
 */
export class Problems {
  private readonly messages: string[] = [];

  /**
   * Checks `value` against `rules` (first failure wins). `label` names the field as the user
   * wrote it. Undefined values and values unknown until apply (tokens) are skipped.
   */
  public check<T>(label: string, value: T | undefined, ...rules: readonly R.Rule<T>[]): this {
    if (value === undefined || isUnresolved(value)) return this;
    const why = R.firstProblem(value, rules);
    if (why !== undefined) this.messages.push(`${label} ${JSON.stringify(value)} ${why}`);
    return this;
  }

  /** Checks every key and value of a label map. */
  public checkLabels(label: string, labels: Record<string, string> | undefined): this {
    for (const [k, v] of Object.entries(labels ?? {})) {
      this.check(`${label} key`, k, ...R.labelKey);
      this.check(`${label} ${JSON.stringify(k)} value`, v, ...R.labelValue);
    }
    return this;
  }

  /** Records a problem that is not about a single value. */
  public add(message: string): this {
    this.messages.push(message);
    return this;
  }

  /** Registers the collected problems on `scope`; the synth fails listing all of them. */
  public report(scope: Construct): void {
    if (this.messages.length === 0) return;
    const messages = [...this.messages];
    scope.node.addValidation({ validate: () => messages });
  }
}

/** Region lists from context (`azwi:additionalRegions`, `azwi:unsupportedFicRegions`). */
export function regionSettings(scope: IConstruct): R.RegionSettings {
  return {
    additionalRegions: regionList(scope.node.tryGetContext("azwi:additionalRegions")),
    unsupportedFicRegions: regionList(scope.node.tryGetContext("azwi:unsupportedFicRegions")),
  };
}

export function validateAksWithOidcProps(scope: Construct, props: AksWithOidcProps): void {
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
  p.check("AksWithOidc.secretsStoreCsiDriver.rotationInterval", csi?.rotationInterval, ...R.duration);
  p.report(scope);
}

export function validateExistingAksProps(scope: Construct, props: ExistingAksProps): void {
  const p = new Problems();
  p.check("AksWithOidc.fromExisting name", props.name, ...R.aksClusterName);
  p.check("AksWithOidc.fromExisting resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.report(scope);
}

export function validateExistingIdentityProps(scope: Construct, props: { readonly name: string; readonly resourceGroupName: string }): void {
  const p = new Problems();
  p.check("ManagedIdentity.fromExisting name", props.name, ...R.identityName);
  p.check("ManagedIdentity.fromExisting resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.report(scope);
}

export function validateManagedIdentityProps(scope: Construct, props: ManagedIdentityProps): void {
  const settings = regionSettings(scope);
  const p = new Problems();
  p.check("ManagedIdentity.name", props.name, ...R.identityName);
  p.check("ManagedIdentity.resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.check("ManagedIdentity.location", props.location, R.knownRegion(settings), R.federationRegion(settings));
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
  p.check("federated credential name", options.name, ...R.federatedCredentialName);
  p.check("federated credential issuer", options.issuer, ...R.issuerUrl);
  p.check(
    "federated credential subject",
    options.subject,
    ...(options.subject.startsWith("system:serviceaccount:") ? R.kubernetesSubject : R.subject),
  );
  p.check("federated credential audience", options.audience, R.lengthBetween(1, 600));
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

export function validateFederatedApplicationProps(scope: Construct, props: FederatedApplicationWorkloadProps, namespace: string): void {
  validateWorkloadKubernetesProps(scope, props, namespace);
  const p = new Problems();
  // Entra application display names: 1–120 characters (Microsoft Graph application resource).
  p.check("FederatedApplicationWorkload.applicationDisplayName", props.applicationDisplayName, R.nonEmpty, R.noSurroundingWhitespace, R.lengthBetween(1, 120));
  p.report(scope);
}

/** The Kubernetes side shared by every kind of workload. */
export function validateWorkloadKubernetesProps(scope: Construct, props: WorkloadKubernetesProps, namespace: string): void {
  const p = new Problems();
  p.check("FederatedWorkload.namespace", namespace, ...R.workloadNamespace);
  p.check("FederatedWorkload.serviceAccountName", props.serviceAccountName, ...R.dns1123Subdomain, ...R.workloadServiceAccountName);
  p.check("FederatedWorkload.propagationDelay", props.propagationDelay, ...R.duration);
  if (props.createNamespace && R.BUILT_IN_NAMESPACES.includes(namespace)) {
    p.add(`FederatedWorkload.createNamespace: namespace ${JSON.stringify(namespace)} exists in every cluster, so creating it fails with AlreadyExists; drop createNamespace`);
  }
  // A literal issuer is checked with the federated credential (its path ends in /federated-credential).
  p.check("FederatedWorkload.tenantId", props.tenantId, ...R.tenantId);
  p.check("FederatedWorkload.tokenExpirationSeconds", props.tokenExpirationSeconds, ...R.tokenExpirationSeconds);
  p.checkLabels("FederatedWorkload.serviceAccountLabels", props.serviceAccountLabels);
  p.report(scope);
}

/** Node selectors and tolerations that place pods on AKS virtual nodes (ACI virtual kubelet). */
export function virtualNodeReason(
  nodeSelector: Record<string, string> | undefined,
  tolerations: ReadonlyArray<{ key?: string }> | undefined,
): string | undefined {
  if (nodeSelector?.type === "virtual-kubelet") return 'node selector type: "virtual-kubelet"';
  const t = tolerations?.find((x) => x.key === "virtual-kubelet.io/provider" || x.key === "azure.com/aci");
  return t ? `toleration ${JSON.stringify(t.key)}` : undefined;
}

function checkTemplate(p: Problems, what: string, t: WorkloadPodTemplate): void {
  if (t.containers.length === 0) p.add(`${what} has no containers; add at least one`);
  const names = new Set<string>();
  for (const c of t.containers) {
    p.check(`${what} container name`, c.name, ...R.dns1123Label);
    p.check(`${what} container ${c.name} image`, c.image, ...R.imageReference);
    for (const key of Object.keys(c.env ?? {})) p.check(`${what} container ${c.name} env name`, key, ...R.envVarName);
    if (c.runAsNonRoot !== false && c.runAsUser === "0") {
      p.add(`${what} container ${c.name} runAsUser "0" contradicts runAsNonRoot (default true): the kubelet refuses to start it; set runAsNonRoot: false or a non-zero user`);
    }
    if (names.has(c.name)) p.add(`${what} container name ${JSON.stringify(c.name)} is used twice`);
    names.add(c.name);
  }
  for (const s of t.skipContainers ?? []) {
    if (!names.has(s)) p.add(`${what} skipContainers names ${JSON.stringify(s)}, which is not one of its containers`);
  }
  for (const s of t.secretsStore?.containers ?? []) {
    if (!names.has(s)) p.add(`${what} secretsStore.containers names ${JSON.stringify(s)}, which is not one of its containers`);
  }
  p.check(`${what} secretsStore.secretProviderClass`, t.secretsStore?.secretProviderClass, ...R.dns1123Subdomain);
  p.check(`${what} secretsStore.mountPath`, t.secretsStore?.mountPath, R.matches(/^\/\S*$/, "an absolute path"));
  p.check(`${what} proxySidecar.port`, t.proxySidecar?.port, R.integerBetween(1, 65535));
  p.checkLabels(`${what} labels`, t.labels);
  for (const key of Object.keys(t.annotations ?? {})) p.check(`${what} annotations key`, key, ...R.labelKey);
  (t.tolerations ?? []).forEach((x, i) => {
    // core/v1 validation (ValidateTolerations): no value with Exists; tolerationSeconds only with NoExecute.
    if (x.operator === "Exists" && x.value) p.add(`${what} tolerations[${i}] has operator "Exists" and a value; the API server rejects a value with Exists`);
    if (x.tolerationSeconds !== undefined && x.effect !== "NoExecute") {
      p.add(`${what} tolerations[${i}] has tolerationSeconds without effect "NoExecute"; the API server rejects that`);
    }
    p.check(`${what} tolerations[${i}].tolerationSeconds`, x.tolerationSeconds, R.matches(/^-?[0-9]+$/, "an integer number of seconds"));
  });
  const virtual = virtualNodeReason(t.nodeSelector, t.tolerations);
  if (virtual) p.add(`${what} would run on AKS virtual nodes (${virtual}); virtual nodes do not support workload identity`);
}

export function validatePodProps(scope: Construct, id: string, props: WorkloadPodProps): void {
  const p = new Problems();
  p.check(`pod ${id} name`, props.name, ...R.dns1123Subdomain);
  checkTemplate(p, `pod ${id}`, props);
  p.report(scope);
}

export function validateDeploymentProps(scope: Construct, id: string, props: WorkloadDeploymentProps): void {
  const p = new Problems();
  p.check(`deployment ${id} name`, props.name, ...R.dns1123Subdomain, R.lengthBetween(1, 63));
  p.check(`deployment ${id} replicas`, props.replicas, R.integerBetween(0, 1000));
  checkTemplate(p, `deployment ${id}`, props);
  p.report(scope);
}

export function validateSecretProviderClassProps(scope: Construct, id: string, props: SecretProviderClassProps): void {
  const p = new Problems();
  p.check(`SecretProviderClass ${id} name`, props.name, ...R.dns1123Subdomain);
  if (props.objects.length === 0) p.add(`SecretProviderClass ${id} has no objects; add at least one`);
  const aliases = new Set<string>();
  for (const o of props.objects) {
    p.check(`SecretProviderClass ${id} object name`, o.name, ...R.keyVaultSecretName);
    const alias = o.alias ?? o.name;
    if (aliases.has(alias)) p.add(`SecretProviderClass ${id} mounts two objects as ${JSON.stringify(alias)}; give them different aliases`);
    aliases.add(alias);
    p.check(`SecretProviderClass ${id} object alias`, o.alias, R.matches(/^[A-Za-z0-9._-]+$/, "a file name (letters, digits, '.', '_', '-')"));
    p.check(`SecretProviderClass ${id} object version`, o.version, R.matches(/^[0-9a-f]{32}$|^$/, "a 32-character Key Vault version id"));
  }
  p.check(`SecretProviderClass ${id} tenantId`, props.tenantId, ...R.tenantId);
  p.report(scope);
}

export function validateExistingKeyVaultProps(scope: Construct, props: { readonly name: string; readonly resourceGroupName: string }): void {
  const p = new Problems();
  p.check("WorkloadKeyVault.fromExisting name", props.name, ...R.keyVaultName);
  p.check("WorkloadKeyVault.fromExisting resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.report(scope);
}

export function validateWorkloadKeyVaultProps(scope: Construct, props: WorkloadKeyVaultProps): void {
  const p = new Problems();
  p.check("WorkloadKeyVault.name", props.name, ...R.keyVaultName);
  p.check("WorkloadKeyVault.resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.check("WorkloadKeyVault.location", props.location, R.knownRegion(regionSettings(scope)));
  p.check("WorkloadKeyVault.tenantId", props.tenantId, ...R.tenantId);
  p.check("WorkloadKeyVault.softDeleteRetentionDays", props.softDeleteRetentionDays, R.integerBetween(7, 90));
  p.check("WorkloadKeyVault.rolePropagationDelay", props.rolePropagationDelay, ...R.duration);
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
    p.check("KeyVaultSecretAccess secret name", s.name, ...R.keyVaultSecretName);
    if (seen.has(s.name)) p.add(`KeyVaultSecretAccess secret name ${JSON.stringify(s.name)} is listed twice`);
    seen.add(s.name);
    p.check(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} version`, s.version, R.matches(/^[0-9a-f]{32}$/, "a 32-character Key Vault version id"));
    if (!s.existing && s.version !== undefined) {
      p.add(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} is new, so its version is the one this deploy writes; drop \`version\``);
    }
    if (s.existing && s.value !== undefined) {
      p.add(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} is marked existing but has a value; drop one of them`);
    }
    p.check(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} valueVersion`, s.valueVersion, R.integerBetween(1, Number.MAX_SAFE_INTEGER));
  }
  if (permissionModel === "access-policy" && grantScope === "secret") {
    p.add(
      'KeyVaultSecretAccess.grantScope "secret" is impossible on an access-policy vault: access policies apply to the whole vault; ' +
        'use grantScope "vault" or an RBAC vault',
    );
  }
  p.report(scope);
}

export function validateContainerRegistryAccessProps(scope: Construct, props: ContainerRegistryAccessProps): void {
  const p = new Problems();
  const given = [props.create, props.existing, props.registryId].filter((x) => x !== undefined).length;
  if (given !== 1) p.add(`ContainerRegistryAccess needs exactly one of create, existing or registryId (got ${given})`);
  // Learn naming rules, Microsoft.ContainerRegistry/registries: 5–50 alphanumerics, global.
  const registryName = [R.lengthBetween(5, 50), R.matches(/^[a-zA-Z0-9]+$/, "letters and digits only (container registry name)")];
  p.check("ContainerRegistryAccess.create.name", props.create?.name, ...registryName);
  p.check("ContainerRegistryAccess.existing.name", props.existing?.name, ...registryName);
  p.check("ContainerRegistryAccess.create.location", props.create?.location, R.knownRegion(regionSettings(scope)));
  p.check(
    "ContainerRegistryAccess.registryId",
    props.registryId,
    R.matches(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i, "a container registry resource id"),
  );
  p.report(scope);
}
