/**
 * The shared context of the security rules, built once per app: every checked element of every
 * stack (only the attributes the rules read, tokens resolved), the hand-written templates found on
 * the way, and the indices the cross-resource rules need (service accounts, labelled pods, elements
 * by address).
 */
import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformOutput, TerraformResource, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { CLIENT_ID_ANNOTATION, USE_LABEL } from "../../core/constants";
import { manifestCollectionsOf, workloadPrincipals } from "../../core/internal";
import { IDENTITY_BINDING_CHECKED, isBindingModePod } from "../identity-binding-checks";
import { handWrittenTemplates } from "../terraform-templates";

/** One checked resource or output. */
export interface Element {
  readonly construct: TerraformElement;
  readonly stack: TerraformStack;
  readonly kind: "resource" | "output";
  readonly type: string;
  readonly name: string;
  readonly body: any;
  /** The unresolved principal_id of a role assignment (to match principals registered by constructs). */
  readonly rawPrincipal?: unknown;
}

export const POD_TYPES = new Set(["kubernetes_pod", "kubernetes_pod_v1"]);
const TEMPLATE_TYPES = new Set([
  "kubernetes_deployment", "kubernetes_deployment_v1", "kubernetes_stateful_set", "kubernetes_stateful_set_v1",
  "kubernetes_daemonset", "kubernetes_daemon_set_v1", "kubernetes_job", "kubernetes_job_v1",
]);
const CRON_TYPES = new Set(["kubernetes_cron_job", "kubernetes_cron_job_v1"]);
export const SA_TYPES = new Set(["kubernetes_service_account", "kubernetes_service_account_v1"]);

export function first<T = any>(value: any): T | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A pod spec found in a resource: the pod itself or a workload's template. */
export interface PodSpecRef {
  readonly element: Element;
  readonly metadata: any;
  readonly spec: any;
}

function podSpecs(e: Element): PodSpecRef[] {
  if (POD_TYPES.has(e.type)) return [{ element: e, metadata: first(e.body.metadata), spec: first(e.body.spec) }];
  let template: any;
  // Stryker disable next-line ConditionalExpression,OptionalChaining: other types have no spec.template (pods returned above, cron jobs set below); the picker always writes spec
  if (TEMPLATE_TYPES.has(e.type)) template = first(first(e.body.spec)?.template);
  // Stryker disable next-line OptionalChaining: the cron jobs' picker always writes spec.job_template.spec
  if (CRON_TYPES.has(e.type)) template = first(first(first(first(e.body.spec)?.job_template)?.spec)?.template);
  if (!template) return [];
  return [{ element: e, metadata: { ...first(template.metadata), namespace: first(e.body.metadata)?.namespace }, spec: first(template.spec) }];
}


type Picker = (body: any) => any;

const fields =
  (...names: string[]): Picker =>
  (body) =>
    // Stryker disable next-line MethodExpression: an absent key picked as undefined is dropped by resolveTokens
    Object.fromEntries(names.filter((f) => f in body).map((f) => [f, body[f]]));

/** The parts of a pod spec the rules read (not env, volumes, probes, …). */
function podParts(spec: any): any {
  const s = first(spec);
  if (!s) return undefined;
  const containers = (list: any) =>
    Array.isArray(list) ? list.map((c: any) => ({ name: c?.name, security_context: c?.security_context })) : undefined;
  return {
    service_account_name: s.service_account_name,
    service_account: s.service_account,
    node_selector: s.node_selector,
    toleration: s.toleration,
    container: containers(s.container),
    init_container: containers(s.init_container),
  };
}

const podMetadata = (m: any) => {
  const meta = first(m);
  return meta && { name: meta.name, namespace: meta.namespace, labels: meta.labels, annotations: meta.annotations };
};

/**
 * What each checked type needs. Resolving tokens is most of the pass's cost, so other types
 * (identities, sleeps, data sources, …) are skipped and only these parts are resolved.
 */
const CHECKED: Record<string, Picker> = {
  // azurerm 4.66 renames parent_id to user_assigned_identity_id: both are read.
  azurerm_federated_identity_credential: fields("issuer", "subject", "audience", "parent_id", "user_assigned_identity_id"),
  azurerm_role_assignment: fields("principal_id", "role_definition_name", "role_definition_id", "scope"),
  azurerm_key_vault: fields("purge_protection_enabled"),
  // Stryker disable next-line StringLiteral: the rule reads only whether the value is set
  azurerm_key_vault_secret: (b) => ({ value: b.value === undefined || b.value === null ? undefined : "(set)" }),
  azurerm_kubernetes_cluster: fields("oidc_issuer_enabled", "workload_identity_enabled", "local_account_disabled"),
  // Namespaces only so that `${kubernetes_namespace_v1.x.metadata[0].name}` can be followed.
  kubernetes_namespace: (b) => ({ metadata: { name: first(b.metadata)?.name } }),
  kubernetes_namespace_v1: (b) => ({ metadata: { name: first(b.metadata)?.name } }),
  ...Object.fromEntries(
    [...SA_TYPES].map((t) => [
      t,
      (b: any) => {
        const meta = first(b.metadata) ?? {};
        return { metadata: { name: meta.name, namespace: meta.namespace, annotations: meta.annotations } };
      },
    ]),
  ),
  ...Object.fromEntries([...POD_TYPES].map((t) => [t, (b: any) => ({ metadata: podMetadata(b.metadata), spec: podParts(b.spec) })])),
  ...Object.fromEntries(
    [...TEMPLATE_TYPES].map((t) => [
      t,
      (b: any) => {
        const template = first(first(b.spec)?.template);
        return { metadata: podMetadata(b.metadata), spec: { template: { metadata: podMetadata(template?.metadata), spec: podParts(template?.spec) } } };
      },
    ]),
  ),
  ...Object.fromEntries(
    [...CRON_TYPES].map((t) => [
      t,
      (b: any) => {
        const template = first(first(first(first(b.spec)?.job_template)?.spec)?.template);
        return {
          metadata: podMetadata(b.metadata),
          spec: { job_template: { spec: { template: { metadata: podMetadata(template?.metadata), spec: podParts(template?.spec) } } } },
        };
      },
    ]),
  ),
  ...IDENTITY_BINDING_CHECKED,
};

/**
 * AZWI015: the attributes where a hand-written template is suspect – identity, trust and what a
 * workload pod runs. Dotted paths into the resource's own (unresolved) attributes; lists are
 * crossed transparently (blocks and list attributes alike) and `*` is any key of a map.
 */
const POD_SPEC_PATHS = [
  "service_account_name", "service_account",
  "container.image", "container.env.value", "init_container.image", "init_container.env.value",
];
const POD_META_PATHS = ["namespace", "labels.*"];
const under = (prefix: string, paths: readonly string[]) => paths.map((p) => `${prefix}.${p}`);
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  azurerm_federated_identity_credential: ["issuer", "subject", "audience", "parent_id", "user_assigned_identity_id"],
  azuread_application_federated_identity_credential: ["issuer", "subject", "audiences", "application_id"],
  azurerm_role_assignment: ["principal_id", "scope", "role_definition_name", "role_definition_id"],
  azurerm_key_vault_access_policy: ["object_id", "application_id", "tenant_id", "key_vault_id"],
  kubernetes_manifest: ["manifest.spec.parameters.*"],
  ...Object.fromEntries([...SA_TYPES].map((t) => [t, ["metadata.name", "metadata.namespace", "metadata.annotations.*"]])),
  ...Object.fromEntries([...POD_TYPES].map((t) => [t, [...under("metadata", POD_META_PATHS), ...under("spec", POD_SPEC_PATHS)]])),
  ...Object.fromEntries(
    [...TEMPLATE_TYPES].map((t) => [t, [
      "metadata.namespace",
      ...under("spec.template.metadata", POD_META_PATHS.slice(1)),
      ...under("spec.template.spec", POD_SPEC_PATHS),
    ]]),
  ),
  ...Object.fromEntries(
    [...CRON_TYPES].map((t) => [t, [
      "metadata.namespace",
      ...under("spec.job_template.spec.template.metadata", POD_META_PATHS.slice(1)),
      ...under("spec.job_template.spec.template.spec", POD_SPEC_PATHS),
    ]]),
  ),
};

/** A hand-written template found by AZWI015. */
export interface TemplateHit {
  readonly construct: TerraformElement;
  readonly attribute: string;
  readonly value: string;
}

/** Appends to `hits` every string at `paths` in `body` that holds a hand-written template. Cheap: no token is resolved. */
function findHandWritten(construct: TerraformElement, body: any, paths: readonly string[], hits: TemplateHit[]): void {
  const walk = (value: any, segments: readonly string[], trail: string): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, segments, `${trail}[${i}]`));
      return;
    }
    if (segments.length === 0) {
      if (typeof value === "string" && handWrittenTemplates(value).length > 0) hits.push({ construct, attribute: trail, value });
      return;
    }
    if (typeof value !== "object" || Tokenization.isResolvable(value)) return;
    const [head, ...rest] = segments;
    if (head === "*") {
      for (const [k, v] of Object.entries(value)) walk(v, rest, `${trail}[${JSON.stringify(k)}]`);
    } else {
      walk(value[head], rest, trail ? `${trail}.${head}` : head);
    }
  };
  for (const p of paths) walk(body, p.split("."), "");
}

/**
 * Resolves only the strings that hold tokens; literals and plain structure are copied as they
 * are. Much cheaper than resolving the whole object with cdktf's generic resolver.
 */
function resolveTokens(value: any, scope: IConstruct, resolver: DefaultTokenResolver): any {
  if (typeof value === "string") {
    return Token.isUnresolved(value) ? Tokenization.resolve(value, { scope, preparing: false, resolver }) : value;
  }
  if (Array.isArray(value)) {
    return Token.isUnresolved(value) ? Tokenization.resolve(value, { scope, preparing: false, resolver }) : value.map((v) => resolveTokens(v, scope, resolver));
  }
  if (value !== null && typeof value === "object") {
    // Stryker disable next-line ConditionalExpression: resolving a plain object with cdktf's resolver gives the same value, slower
    if (Tokenization.isResolvable(value)) return Tokenization.resolve(value, { scope, preparing: false, resolver });
    const out: Record<string, any> = {};
    // Stryker disable next-line ConditionalExpression: a key kept with the value undefined reads as absent to every rule
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = resolveTokens(v, scope, resolver);
    return out;
  }
  return value;
}

/** `source` merged into `target`: objects key by key, anything else (lists too) replaced. */
export function deepMerge(target: any, source: any): any {
  for (const [k, v] of Object.entries(source)) {
    target[k] = v !== null && typeof v === "object" && !Array.isArray(v) && typeof target[k] === "object" && target[k] !== null
      ? deepMerge({ ...target[k] }, v)
      : v;
  }
  return target;
}

function collect(app: App, templateHits: TemplateHit[]): Element[] {
  const elements: Element[] = [];
  const resolver = new DefaultTokenResolver(new StringConcat());
  for (const stack of app.node.findAll().filter(TerraformStack.isStack) as TerraformStack[]) {
    for (const c of stack.node.findAll()) {
      let kind: Element["kind"];
      let type: string;
      if (TerraformOutput.isTerraformOutput(c)) {
        kind = "output";
        // Stryker disable next-line StringLiteral: outputs are told apart by kind; no rule reads their type
        type = "output";
      } else if (TerraformResource.isTerraformResource(c)) {
        kind = "resource";
        type = c.terraformResourceType;
        // Stryker disable next-line ConditionalExpression: an early skip; a type in neither table has no template paths and is skipped below
        if (!(type in CHECKED) && !(type in TEMPLATE_PATHS)) continue;
      } else {
        continue;
      }
      if (TerraformStack.of(c) !== stack) continue;
      let name: string;
      let body: any;
      if (kind === "output") {
        [name, body] = Object.entries<any>(c.toTerraform().output)[0];
      } else {
        // The resource's own attributes (snake_case) plus escape-hatch overrides: what toTerraform()
        // would write for them, without its meta-arguments and metadata (a third of this pass's time).
        const r = c as unknown as { synthesizeAttributes(): any; rawOverrides: any; friendlyUniqueId: string };
        const overrides = r.rawOverrides;
        // Stryker disable next-line ConditionalExpression,LogicalOperator: rawOverrides is always an object; merging no overrides changes nothing
        body = overrides && Object.keys(overrides).length ? deepMerge({ ...r.synthesizeAttributes() }, overrides) : r.synthesizeAttributes();
        name = r.friendlyUniqueId;
        const paths = TEMPLATE_PATHS[type];
        if (paths) findHandWritten(c, body, paths, templateHits);
        if (!(type in CHECKED)) continue;
      }
      const picked = kind === "output" ? { value: body.value, sensitive: body.sensitive } : CHECKED[type](body);
      elements.push({
        construct: c,
        stack,
        kind,
        type,
        name,
        body: resolveTokens(picked, c, resolver) ?? {},
        // Stryker disable next-line ConditionalExpression: only role assignments' rawPrincipal is read
        rawPrincipal: type === "azurerm_role_assignment" ? body.principal_id : undefined,
      });
    }
  }
  return elements;
}

/** A pod, or a workload's pod template, with the facts the pod rules read. */
export interface PodFact extends PodSpecRef {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labelled: boolean;
  /** The pod asks for an AKS identity binding's token (`azure.workload.identity/use-identity-binding`). */
  readonly bindingMode: boolean;
}

/** What the rules read, built once per app. */
export class SecurityContext {
  /** Every checked element of the app. */
  public readonly elements: readonly Element[];
  /** Hand-written templates in identity attributes (AZWI015). */
  public readonly templateHits: readonly TemplateHit[];
  /** Pods and pod templates of Terraform resources. */
  public readonly pods: readonly PodFact[];
  /** Service accounts annotated with a client id, as "namespace/name". */
  public readonly workloadServiceAccounts: ReadonlySet<string>;
  /**
   * Service accounts some labelled pod (a Terraform resource or a GitOps manifest) runs as, as
   * "namespace/name"; a pod in identity-binding mode gets a token no federated credential takes, so
   * it does not count.
   */
  public readonly labelledServiceAccounts: ReadonlySet<string>;
  /** The client-id annotation of each workload identity service account, by "namespace/name". */
  public readonly clientIds: ReadonlyMap<string, unknown>;
  /** "namespace/name" of every service account a Kubernetes federated credential trusts. */
  public readonly directSubjects: ReadonlySet<string>;
  private readonly byAddress = new Map<string, Element>();

  constructor(app: App) {
    const hits: TemplateHit[] = [];
    this.elements = collect(app, hits);
    this.templateHits = hits;
    // Stryker disable next-line ConditionalExpression: an output has no metadata, so a reference to it is never followed
    for (const e of this.elements) if (e.kind !== "output") this.byAddress.set(`${e.stack.node.path}|${e.type}.${e.name}`, e);

    const wi = new Set<string>();
    const clientIds = new Map<string, unknown>();
    for (const e of this.resources(SA_TYPES)) {
      const meta = first(e.body.metadata) ?? {};
      if (meta.annotations?.[CLIENT_ID_ANNOTATION] === undefined) continue;
      const account = `${this.deref(e.stack, meta.namespace ?? "default")}/${this.deref(e.stack, meta.name)}`;
      wi.add(account);
      clientIds.set(account, meta.annotations[CLIENT_ID_ANNOTATION]);
    }
    this.workloadServiceAccounts = wi;
    this.clientIds = clientIds;
    const direct = new Set<string>();
    for (const e of this.resources("azurerm_federated_identity_credential")) {
      const subject = e.body.subject;
      if (typeof subject !== "string" || !subject.startsWith("system:serviceaccount:")) continue;
      const [, , ns, sa] = subject.split(":");
      direct.add(`${ns}/${sa}`);
    }
    this.directSubjects = direct;

    const labelled = new Set<string>();
    // GitOps workloads: their pods are YAML, not Terraform, but they are part of the app.
    const stacks = app.node.findAll().filter(TerraformStack.isStack) as TerraformStack[];
    for (const g of stacks.flatMap((stack) => manifestCollectionsOf(stack))) {
      for (const objects of g.files.values()) {
        for (const o of objects) {
          const template = o.kind === "Pod" ? o : o.spec?.template;
          if (!template) continue;
          if (template.metadata?.labels?.[USE_LABEL] === "true") labelled.add(`${o.metadata.namespace ?? "default"}/${template.spec?.serviceAccountName ?? "default"}`);
        }
      }
    }
    const pods: PodFact[] = [];
    for (const e of this.elements) {
      // Stryker disable next-line ConditionalExpression: an output is no pod (podSpecs finds none)
      if (e.kind !== "resource") continue;
      for (const pod of podSpecs(e)) {
        const namespace = String(this.deref(e.stack, pod.metadata?.namespace ?? "default"));
        const serviceAccount = String(this.deref(e.stack, pod.spec?.service_account_name ?? pod.spec?.service_account ?? "default"));
        const isLabelled = pod.metadata?.labels?.[USE_LABEL] === "true";
        const bindingMode = isBindingModePod(pod.metadata?.annotations);
        if (isLabelled && !bindingMode) labelled.add(`${namespace}/${serviceAccount}`);
        pods.push({ ...pod, namespace, serviceAccount, labelled: isLabelled, bindingMode });
      }
    }
    this.labelledServiceAccounts = labelled;
    this.pods = pods;
  }

  /** The resources of the given types. */
  public resources(types: string | ReadonlySet<string>): Element[] {
    const match = typeof types === "string" ? (t: string) => t === types : (t: string) => types.has(t);
    // Stryker disable next-line ConditionalExpression: no resource type is "output", so match() already keeps outputs out
    return this.elements.filter((e) => e.kind === "resource" && match(e.type));
  }

  /** The outputs of the app. */
  public outputs(): Element[] {
    return this.elements.filter((e) => e.kind === "output");
  }

  /** The element at `address` (`type.name`) in `stack`. */
  public at(stack: TerraformStack, address: string): Element | undefined {
    return this.byAddress.get(`${stack.node.path}|${address}`);
  }

  /** Follows `${kubernetes_x.y.metadata[0].name}` (or namespace) to the value it names, a few levels deep. */
  public deref(stack: TerraformStack, value: unknown, depth = 0): unknown {
    if (typeof value !== "string" || depth > 3) return value;
    const m = /^\$\{([a-z0-9_]+\.[^.\[]+)\.metadata\[0\]\.(name|namespace)\}$/.exec(value);
    if (!m) return value;
    const meta = first(this.at(stack, m[1])?.body.metadata);
    return meta ? this.deref(stack, meta[m[2]], depth + 1) : value;
  }

  /**
   * True when a role assignment's principal is a workload principal: a managed identity or an
   * application's service principal by reference, or a principal a workload construct registered
   * (e.g. ManagedIdentity.fromAttributes).
   */
  public isWorkloadPrincipal(e: Element): boolean {
    const principal = String(e.body.principal_id ?? "");
    return /azurerm_user_assigned_identity\.|azuread_service_principal\./.test(principal) || (typeof e.rawPrincipal === "string" && workloadPrincipals.has(e.rawPrincipal));
  }
}
