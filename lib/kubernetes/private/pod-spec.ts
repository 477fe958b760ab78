/**
 * The Kubernetes side of a workload, described once and rendered two ways: as
 * `@cdktf/provider-kubernetes` configuration (Terraform manages the objects) or as Kubernetes API
 * objects (GitOps manifests). Both renderings come from the same description, so the workload
 * identity label, the service account name and the annotations are the same either way.
 */
import {
  INJECT_PROXY_SIDECAR_ANNOTATION,
  PROXY_SIDECAR_PORT_ANNOTATION,
  SKIP_CONTAINERS_ANNOTATION,
  TOKEN_EXPIRATION_ANNOTATION,
  USE_IDENTITY_BINDING_ANNOTATION,
  USE_LABEL,
} from "../../core/constants";
import { isUnresolved } from "../../core/internal";
import type { Construct } from "constructs";
import { Problems } from "../../guardrails/problems";
import * as R from "../../guardrails/rules";
import type { WorkloadContainer, WorkloadDeploymentProps, WorkloadPodProps, WorkloadPodTemplate } from "../kubernetes-objects";

const SECRETS_STORE_VOLUME = "secrets-store";
export const SECRETS_STORE_DRIVER = "secrets-store.csi.k8s.io";

/** Pod-level facts every rendering needs. */
export interface PodContext {
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** Extra labels that identify the pods (e.g. the deployment's `app` label). */
  readonly selectorLabels?: Record<string, string>;
  /** The workload uses its identity through an AKS identity binding: the pods carry the binding annotation. */
  readonly identityBinding?: boolean;
}

function podLabels(t: WorkloadPodTemplate, ctx: PodContext): Record<string, string> {
  return { ...t.labels, ...ctx.selectorLabels, [USE_LABEL]: "true" };
}

function podAnnotations(t: WorkloadPodTemplate, ctx: PodContext): Record<string, string> | undefined {
  const a: Record<string, string> = { ...t.annotations };
  // Set by the workload's mode, never by hand (checkAnnotations refuses it in `annotations`): the
  // webhook gives the pod a token of audience api://AKSIdentityBinding, which only the binding's
  // token proxy accepts, so a pod is in one mode or the other.
  if (ctx.identityBinding) a[USE_IDENTITY_BINDING_ANNOTATION] = "true";
  if (t.skipContainers?.length) a[SKIP_CONTAINERS_ANNOTATION] = t.skipContainers.join(";");
  if (t.proxySidecar) {
    a[INJECT_PROXY_SIDECAR_ANNOTATION] = "true";
    if (t.proxySidecar.port !== undefined) a[PROXY_SIDECAR_PORT_ANNOTATION] = String(t.proxySidecar.port);
  }
  return Object.keys(a).length ? a : undefined;
}

function mountsFor(t: WorkloadPodTemplate, container: string): boolean {
  return t.secretsStore !== undefined && (t.secretsStore.containers === undefined || t.secretsStore.containers.includes(container));
}

// ---- rendering for @cdktf/provider-kubernetes (snake_case is applied by the provider classes) ---

export function providerContainer(c: WorkloadContainer, t: WorkloadPodTemplate): any {
  return {
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    imagePullPolicy: c.imagePullPolicy,
    env: c.env ? Object.entries(c.env).map(([name, value]) => ({ name, value })) : undefined,
    resources: {
      requests: c.requests ?? { ...DEFAULT_REQUESTS },
      limits: c.limits ?? { ...DEFAULT_LIMITS },
    },
    securityContext: {
      runAsNonRoot: c.runAsNonRoot ?? true,
      runAsUser: c.runAsUser ?? "65532",
      readOnlyRootFilesystem: c.readOnlyRootFilesystem ?? true,
      allowPrivilegeEscalation: c.allowPrivilegeEscalation ?? false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    },
    volumeMount: mountsFor(t, c.name)
      ? [{ name: SECRETS_STORE_VOLUME, mountPath: t.secretsStore!.mountPath ?? "/mnt/secrets-store", readOnly: true }]
      : undefined,
  };
}

/** The pod spec in the provider's shape (`container`, `toleration`, `volume` blocks). */
export function providerPodSpec(t: WorkloadPodTemplate, ctx: PodContext, restartPolicy?: string): any {
  return {
    serviceAccountName: ctx.serviceAccountName,
    restartPolicy,
    nodeSelector: t.nodeSelector ?? { "kubernetes.io/os": "linux" },
    toleration: t.tolerations?.map((x) => ({ ...x })),
    securityContext: {
      runAsNonRoot: t.containers.every((c) => c.runAsNonRoot !== false),
      seccompProfile: { type: "RuntimeDefault" },
    },
    container: t.containers.map((c) => providerContainer(c, t)),
    volume: t.secretsStore
      ? [{ name: SECRETS_STORE_VOLUME, csi: { driver: SECRETS_STORE_DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: t.secretsStore.secretProviderClass } } }]
      : undefined,
  };
}

export function providerPodMetadata(t: WorkloadPodTemplate, ctx: PodContext, name?: string, namespace?: string): any {
  return { name, namespace, labels: podLabels(t, ctx), annotations: podAnnotations(t, ctx) };
}

// ---- rendering as Kubernetes API objects (GitOps manifests) --------------------------------------

function manifestContainer(c: WorkloadContainer, t: WorkloadPodTemplate): any {
  const p = providerContainer(c, t);
  return prune({
    name: p.name,
    image: p.image,
    command: p.command,
    args: p.args,
    imagePullPolicy: p.imagePullPolicy,
    env: p.env,
    resources: p.resources,
    securityContext: { ...p.securityContext, runAsUser: Number(p.securityContext.runAsUser) },
    volumeMounts: p.volumeMount,
  });
}

export function manifestPodSpec(t: WorkloadPodTemplate, ctx: PodContext, restartPolicy?: string): any {
  const p = providerPodSpec(t, ctx, restartPolicy);
  return prune({
    serviceAccountName: p.serviceAccountName,
    restartPolicy: p.restartPolicy,
    nodeSelector: p.nodeSelector,
    tolerations: p.toleration?.map((t: any) => (t.tolerationSeconds === undefined ? t : { ...t, tolerationSeconds: Number(t.tolerationSeconds) })),
    securityContext: p.securityContext,
    containers: t.containers.map((c) => manifestContainer(c, t)),
    volumes: p.volume,
  });
}

export function manifestPodMetadata(t: WorkloadPodTemplate, ctx: PodContext, name?: string, namespace?: string): any {
  return prune({ name, namespace, labels: podLabels(t, ctx), annotations: podAnnotations(t, ctx) });
}

/** Drops undefined fields (YAML and the Kubernetes API do not want explicit nulls). */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as any;
  if (value !== null && typeof value === "object") {
    const out: any = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out;
  }
  return value;
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

/**
 * Environment variables the webhook injects; it keeps a value a container already has
 * (azure-workload-identity v1.6.0 pkg/webhook/webhook.go addEnvironmentVariables: "append the ones
 * that are not already present"), so one set by hand wins over the service account's identity.
 */
const WEBHOOK_ENV = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"];

/**
 * Pod annotations the webhook reads (azure-workload-identity v1.6.0 pkg/webhook/consts.go, and
 * `use-identity-binding`: pkg/webhook/webhook.go NewPodMutator builds `azure.workload.identity/use-<suffix>`
 * from --custom-token-endpoint-annotation-suffix, which AKS sets to `identity-binding`), and the prop that sets each.
 */
const WEBHOOK_POD_ANNOTATIONS: Record<string, string | undefined> = {
  [SKIP_CONTAINERS_ANNOTATION]: "skipContainers",
  [INJECT_PROXY_SIDECAR_ANNOTATION]: "proxySidecar",
  [PROXY_SIDECAR_PORT_ANNOTATION]: "proxySidecar.port",
  [TOKEN_EXPIRATION_ANNOTATION]: undefined,
  [USE_IDENTITY_BINDING_ANNOTATION]: "FederatedWorkload identityBinding",
};

/** The resources the construct writes when a container gives none. */
const DEFAULT_REQUESTS: Readonly<Record<string, string>> = { cpu: "50m", memory: "64Mi" };
const DEFAULT_LIMITS: Readonly<Record<string, string>> = { cpu: "250m", memory: "128Mi" };

function checkResources(p: Problems, what: string, c: WorkloadContainer): void {
  const requests = c.requests ?? DEFAULT_REQUESTS;
  const limits = c.limits ?? DEFAULT_LIMITS;
  for (const [kind, values] of [["requests", requests], ["limits", limits]] as const) {
    for (const [name, v] of Object.entries(values)) p.check(`${what} container ${c.name} ${kind}.${name}`, v, ...R.quantity);
  }
  // core/v1 ValidateResourceRequirements: a request above its limit is refused.
  for (const [name, request] of Object.entries(requests)) {
    const limit = limits[name];
    if (limit === undefined || isUnresolved(request) || isUnresolved(limit)) continue;
    if (R.firstProblem(request, R.quantity) || R.firstProblem(limit, R.quantity)) continue;
    if (R.quantityValue(request) > R.quantityValue(limit)) {
      const whose = (given: boolean) => (given ? "" : " (the default)");
      p.add(
        `${what} container ${c.name} requests ${name} ${JSON.stringify(request)}${whose(c.requests !== undefined)} above its limit ${JSON.stringify(limit)}${whose(c.limits !== undefined)}; ` +
          `the API server refuses a request above its limit – raise limits.${name} or lower requests.${name}`,
      );
    }
  }
}

function checkAnnotations(p: Problems, what: string, t: WorkloadPodTemplate): void {
  for (const [key, value] of Object.entries(t.annotations ?? {})) {
    p.check(`${what} annotations key`, key, ...R.annotationKey);
    if (typeof value !== "string") p.add(`${what} annotations ${JSON.stringify(key)} is ${JSON.stringify(value)}; annotation values are strings – quote it`);
    if (!key.startsWith("azure.workload.identity/")) continue;
    if (!(key in WEBHOOK_POD_ANNOTATIONS)) {
      p.add(`${what} annotations ${JSON.stringify(key)} is not an annotation the workload identity webhook reads (${Object.keys(WEBHOOK_POD_ANNOTATIONS).join(", ")})`);
    } else if (WEBHOOK_POD_ANNOTATIONS[key] !== undefined) {
      const why = key === USE_IDENTITY_BINDING_ANNOTATION ? "the workload's mode decides it, for all its pods and its service account" : "it is checked against the containers";
      p.add(`${what} annotations ${JSON.stringify(key)} is set by the ${WEBHOOK_POD_ANNOTATIONS[key]} prop; use the prop (${why})`);
    } else if (key === TOKEN_EXPIRATION_ANNOTATION && typeof value === "string") {
      p.check(`${what} annotations ${JSON.stringify(key)}`, Number(value), ...R.tokenExpirationSeconds);
    }
  }
}

function checkTemplate(p: Problems, what: string, t: WorkloadPodTemplate): void {
  if (t.containers.length === 0) p.add(`${what} has no containers; add at least one`);
  const names = new Set<string>();
  const skipped = new Set(t.skipContainers ?? []);
  for (const c of t.containers) {
    p.check(`${what} container name`, c.name, ...R.dns1123Label);
    p.check(`${what} container ${c.name} image`, c.image, ...R.imageReference);
    for (const key of Object.keys(c.env ?? {})) p.check(`${what} container ${c.name} env name`, key, ...R.envVarName);
    for (const key of WEBHOOK_ENV) {
      if (c.env?.[key] !== undefined && !skipped.has(c.name)) {
        p.add(
          `${what} container ${c.name} sets ${key} by hand; the webhook keeps a value a container already has, so it would not use the service account's identity – remove it (or list the container in skipContainers)`,
        );
      }
    }
    p.check(`${what} container ${c.name} runAsUser`, c.runAsUser, ...R.securityContextId);
    if (c.runAsNonRoot !== false && c.runAsUser === "0") {
      p.add(`${what} container ${c.name} runAsUser "0" contradicts runAsNonRoot (default true): the kubelet refuses to start it; set runAsNonRoot: false or a non-zero user`);
    }
    checkResources(p, what, c);
    if (names.has(c.name)) p.add(`${what} container name ${JSON.stringify(c.name)} is used twice`);
    names.add(c.name);
  }
  for (const s of t.skipContainers ?? []) {
    if (!names.has(s)) p.add(`${what} skipContainers names ${JSON.stringify(s)}, which is not one of its containers`);
  }
  if (t.containers.length > 0 && t.containers.every((c) => skipped.has(c.name))) {
    p.add(`${what} skipContainers lists every container, so no container gets the token; drop one from skipContainers (or do not run the pod as a workload)`);
  }
  p.checkLabels(`${what} nodeSelector`, t.nodeSelector);
  checkAnnotations(p, what, t);
  if (t.labels?.[USE_LABEL] !== undefined && t.labels[USE_LABEL] !== "true") {
    p.add(`${what} labels ${JSON.stringify(USE_LABEL)} is ${JSON.stringify(t.labels[USE_LABEL])}; the construct always sets it to "true" – remove it from labels`);
  }
  for (const s of t.secretsStore?.containers ?? []) {
    if (!names.has(s)) p.add(`${what} secretsStore.containers names ${JSON.stringify(s)}, which is not one of its containers`);
  }
  p.check(`${what} secretsStore.secretProviderClass`, t.secretsStore?.secretProviderClass, ...R.dns1123Subdomain);
  p.check(`${what} secretsStore.mountPath`, t.secretsStore?.mountPath, R.matches(/^\/\S*$/, "an absolute path"));
  p.check(`${what} proxySidecar.port`, t.proxySidecar?.port, R.integerBetween(1, 65535));
  p.checkLabels(`${what} labels`, t.labels);
  (t.tolerations ?? []).forEach((x, i) => {
    // core/v1 ValidateTolerations: the key is a label key; an empty key needs operator Exists; the value a label value.
    if (x.key) p.check(`${what} tolerations[${i}].key`, x.key, ...R.labelKey);
    else if (x.operator !== "Exists") p.add(`${what} tolerations[${i}] has no key, which needs operator "Exists" (it matches every taint)`);
    if (x.value) p.check(`${what} tolerations[${i}].value`, x.value, ...R.labelValue);
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
