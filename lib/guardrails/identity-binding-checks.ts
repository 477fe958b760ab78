/**
 * The security pass's rules for AKS identity bindings (preview), over the synthesized resources of
 * the whole app: a pod is in one mode or the other. In binding mode (pod annotation
 * `azure.workload.identity/use-identity-binding: "true"`) the webhook projects a token of audience
 * `api://AKSIdentityBinding` (azure-workload-identity v1.6.0 pkg/webhook/webhook.go
 * addProjectedVolume: the custom token endpoint's audience replaces the default one), which only the
 * binding's token proxy takes, and the proxy serves only service accounts that a ClusterRole with
 * apiGroups ["cid.wi.aks.azure.com"], verbs ["use-managed-identity"], resources [<client id>]
 * allows. Without the annotation the token has audience `api://AzureADTokenExchange`, which only a
 * federated credential of the service account takes.
 */
import { IDENTITY_BINDING_API_GROUP, IDENTITY_BINDING_VERB, USE_IDENTITY_BINDING_ANNOTATION } from "../core/constants";

/** The rules: id, severity, title, fix (merged into the security rule catalogue). */
export const IDENTITY_BINDING_RULES = [
  [
    "AZWI016",
    "error",
    'A pod in identity-binding mode (azure.workload.identity/use-identity-binding: "true") runs as a service account that no identity-binding ClusterRole allows to use its client id',
    "use FederatedWorkload identityBinding (it writes the ClusterRole and ClusterRoleBinding and the annotation), or drop the annotation and federate the service account directly",
  ],
  [
    "AZWI017",
    "warning",
    "A workload identity pod without the identity-binding annotation runs as a service account that only an identity binding allows (no federated credential in this app trusts it)",
    'add azure.workload.identity/use-identity-binding: "true" to the pod (FederatedWorkload identityBinding does), or federate the service account directly',
  ],
] as const;

const ROLE_TYPES = new Set(["kubernetes_cluster_role", "kubernetes_cluster_role_v1"]);
const BINDING_TYPES = new Set(["kubernetes_cluster_role_binding", "kubernetes_cluster_role_binding_v1", "kubernetes_role_binding", "kubernetes_role_binding_v1"]);

function first<T = any>(value: any): T | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const metadataOf = (b: any) => {
  const m = first(b.metadata) ?? {};
  return { name: m.name, namespace: m.namespace };
};

/** What the security pass reads of the RBAC types (the only parts it resolves). */
export const IDENTITY_BINDING_CHECKED: Record<string, (body: any) => any> = {
  ...Object.fromEntries([...ROLE_TYPES].map((t) => [t, (b: any) => ({ metadata: metadataOf(b), rule: b.rule })])),
  ...Object.fromEntries([...BINDING_TYPES].map((t) => [t, (b: any) => ({ metadata: metadataOf(b), role_ref: b.role_ref, subject: b.subject })])),
};

/** True when a pod's (resolved) annotations put it in identity-binding mode (the webhook compares "true" without case). */
export function isBindingModePod(annotations: Record<string, unknown> | undefined): boolean {
  const v = annotations?.[USE_IDENTITY_BINDING_ANNOTATION];
  return typeof v === "string" && v.toLowerCase() === "true";
}

/** A resolved element of the pass, as far as these rules read it. */
export interface BindingCheckElement {
  readonly kind: string;
  readonly type: string;
  readonly body: any;
}

/** A workload identity pod of the pass: its element, namespace, service account, and whether it is labelled and in binding mode. */
export interface BindingCheckPod<E> {
  readonly element: E;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labelled: boolean;
  readonly bindingMode: boolean;
}

const list = (v: unknown): any[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const has = (values: unknown, wanted: string) => list(values).some((x) => x === wanted || x === "*");

/**
 * Reports AZWI016 and AZWI017.
 *
 * @param elements - the pass's resolved elements (RBAC types read with {@link IDENTITY_BINDING_CHECKED})
 * @param pods - the pods and pod templates the pass found
 * @param clientIds - the client-id annotation of each workload identity service account, by `namespace/name`
 * @param directSubjects - `namespace/name` of every service account a Kubernetes federated credential trusts
 * @param report - records a finding on an element
 * @param deref - follows a reference to another object's `metadata[0].name` or `namespace` in the element's stack
 * @param clusterOf - the cluster a Kubernetes resource is applied to: a binding refers to the ClusterRole of its own
 *   cluster, and a pod is allowed by the bindings of its own cluster
 */
export function identityBindingFindings<E extends BindingCheckElement>(
  elements: readonly E[],
  pods: ReadonlyArray<BindingCheckPod<E>>,
  clientIds: ReadonlyMap<string, unknown>,
  directSubjects: ReadonlySet<string>,
  report: (e: E, ruleId: string, message: string) => void,
  deref: (e: E, value: unknown) => unknown,
  clusterOf: (e: E) => string,
): void {
  // ClusterRoles whose rules allow use-managed-identity on cid.wi.aks.azure.com, by cluster and name: the client ids they name.
  const roles = new Map<string, unknown[]>();
  for (const e of elements) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: the pass reads `rule` of ClusterRoles only (IDENTITY_BINDING_CHECKED), so another element yields no ids
    if (e.kind !== "resource" || !ROLE_TYPES.has(e.type)) continue;
    const ids = list(e.body.rule)
      .filter((r: any) => has(r?.api_groups, IDENTITY_BINDING_API_GROUP) && has(r?.verbs, IDENTITY_BINDING_VERB))
      .flatMap((r: any) => (r?.resources === undefined ? ["*"] : list(r.resources)));
    // Stryker disable next-line OptionalChaining,ConditionalExpression: the checked body always has metadata (IDENTITY_BINDING_CHECKED gives an object); a role with no ids would allow nothing and read as "no role" in the message either way
    if (ids.length) roles.set(`${clusterOf(e)}|${String(deref(e, e.body.metadata?.name))}`, ids);
  }
  // Service accounts by cluster (cluster|namespace/name, or namespace/* for a group of a namespace, */* for all) and the client ids they may use.
  const allowed = new Map<string, unknown[]>();
  for (const e of elements) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: the pass reads `role_ref` of bindings only (IDENTITY_BINDING_CHECKED), so another element refers to no role
    if (e.kind !== "resource" || !BINDING_TYPES.has(e.type)) continue;
    const ref = first(e.body.role_ref) ?? {};
    const cluster = clusterOf(e);
    const ids = ref.kind === "ClusterRole" ? roles.get(`${cluster}|${String(deref(e, ref.name))}`) : undefined;
    if (!ids) continue;
    // Stryker disable next-line OptionalChaining: the checked body always has metadata (IDENTITY_BINDING_CHECKED gives an object)
    const bindingNamespace = deref(e, e.body.metadata?.namespace);
    for (const s of list(e.body.subject)) {
      let key: string | undefined;
      if (s?.kind === "ServiceAccount") key = `${deref(e, s.namespace ?? bindingNamespace ?? "default")}/${deref(e, s.name)}`;
      else if (s?.kind === "Group" && s.name === "system:serviceaccounts") key = "*/*";
      else if (s?.kind === "Group" && typeof s.name === "string" && s.name.startsWith("system:serviceaccounts:")) key = `${s.name.slice("system:serviceaccounts:".length)}/*`;
      // Stryker disable next-line ConditionalExpression: an entry under an undefined key is never read (every lookup key holds a "/")
      if (key) allowed.set(`${cluster}|${key}`, [...(allowed.get(`${cluster}|${key}`) ?? []), ...ids]);
    }
  }
  const idsFor = (cluster: string, ns: string, sa: string) =>
    [`${ns}/${sa}`, `${ns}/*`, "*/*"].flatMap((key) => allowed.get(`${cluster}|${key}`) ?? []);

  for (const pod of pods) {
    if (!pod.labelled) continue;
    const sa = `${pod.namespace}/${pod.serviceAccount}`;
    const ids = idsFor(clusterOf(pod.element), pod.namespace, pod.serviceAccount);
    const clientId = clientIds.get(sa);
    const mayUse = ids.includes("*") || (clientId !== undefined && ids.includes(clientId));
    if (pod.bindingMode && !mayUse) {
      report(
        pod.element,
        "AZWI016",
        ids.length
          ? `is in identity-binding mode, but the ClusterRoles bound to service account ${sa} name other client ids than its ${JSON.stringify(clientId ?? "(no client-id annotation)")}`
          : `is in identity-binding mode, but no ClusterRole on ${IDENTITY_BINDING_API_GROUP} with verb ${IDENTITY_BINDING_VERB} is bound to service account ${sa}: the binding's token proxy refuses it`,
      );
    }
    if (!pod.bindingMode && mayUse && !directSubjects.has(sa)) {
      report(pod.element, "AZWI017", `runs as service account ${sa}, which an identity binding allows, without ${USE_IDENTITY_BINDING_ANNOTATION}: "true": its token (audience api://AzureADTokenExchange) is trusted by no federated credential in this app`);
    }
  }
}
