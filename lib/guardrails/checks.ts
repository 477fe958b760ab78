import {
  Annotations,
  App,
  DefaultTokenResolver,
  IAspect,
  StringConcat,
  TerraformElement,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import { IConstruct } from "constructs";
import { CLIENT_ID_ANNOTATION, GUARDRAILS_RECORD, MAX_FEDERATED_CREDENTIALS_PER_IDENTITY, TOKEN_EXCHANGE_AUDIENCE, USE_LABEL } from "../core/constants";
import { constructCredentials, libraryProblems, manifestCollectionsOf, workloadPrincipals } from "../core/internal";
import { IDENTITY_BINDING_CHECKED, IDENTITY_BINDING_RULES, identityBindingFindings, isBindingModePod, BindingCheckPod } from "./identity-binding-checks";

/** `error` fails the synth; `warning` is printed by `cdktf synth` and kept in the manifest. */
export type Severity = "error" | "warning";

/** A security rule of {@link WorkloadIdentityChecks}. */
export interface SecurityRule {
  /** Stable id, e.g. `AZWI003`. */
  readonly id: string;
  readonly severity: Severity;
  /** What the rule checks. */
  readonly title: string;
  /** How to fix a finding. */
  readonly fix: string;
}

/** The rules, by id. Ids are stable: suppressions and CI filters refer to them. */
export const SECURITY_RULES: Readonly<Record<string, SecurityRule>> = Object.fromEntries(
  (
    [
      ["AZWI001", "error", "A workload identity holds Owner, Contributor, User Access Administrator or RBAC Administrator", "grant a data-plane role (e.g. Key Vault Secrets User) on the narrowest scope instead"],
      ["AZWI002", "error", "A Key Vault has no purge protection", "set purge_protection_enabled = true (WorkloadKeyVault does by default)"],
      ["AZWI003", "error", "A Key Vault secret value is stored in Terraform state (`value` instead of `value_wo`)", "write it with value_wo and value_wo_version (KeyVaultSecretAccess does)"],
      ["AZWI004", "warning", "A federated credential trusts a service account that no labelled pod in this app runs as", "add the pod with FederatedWorkload.addPod, or suppress with the reason (e.g. pods are deployed by GitOps)"],
      ["AZWI005", "error", "A pod runs as a workload identity service account without the azure.workload.identity/use: \"true\" label", "label the pod (FederatedWorkload.addPod always does); without it the webhook injects no token"],
      ["AZWI006", "error", "A workload identity pod is in kube-system, which the webhook ignores", "move it to another namespace"],
      ["AZWI007", "error", "A workload identity pod targets AKS virtual nodes, which do not support workload identity", "remove the virtual-kubelet node selector and tolerations"],
      ["AZWI008", "warning", "A Key Vault role is granted to a workload identity above the vault (resource group or subscription)", "scope the role to the secret or the vault"],
      ["AZWI009", "error", "An output exposes cluster credentials without being marked sensitive", "set sensitive: true on the output, or do not output credentials"],
      ["AZWI010", "warning", "An AKS cluster keeps local accounts enabled", "set local_account_disabled = true and use Azure AD (kubelogin)"],
      ["AZWI011", "error", "A federated credential trusts the issuer of a cluster that has the OIDC issuer or workload identity turned off", "set oidc_issuer_enabled and workload_identity_enabled on the cluster (AksWithOidc always does)"],
      ["AZWI012", "error", "A Kubernetes federated credential does not have exactly the audience api://AzureADTokenExchange", "use audience [\"api://AzureADTokenExchange\"]: the webhook requests tokens for it"],
      ["AZWI013", "error", "A managed identity has more than 20 federated credentials, or repeats an issuer + subject", "spread workloads over more identities; remove the duplicate credential"],
      ["AZWI014", "warning", "A workload identity pod runs a privileged container or allows privilege escalation", "drop privileged/allow_privilege_escalation (FederatedWorkload.addPod's defaults do)"],
      ["AZWI015", "warning", "A hand-written Terraform template (a plain \"${…}\" or \"%{…}\" string, not a cdktf token) is in an identity attribute: issuer, subject, audience, parent identity, principal, scope, role, service account annotation or name, image or env value", "pass the construct's attribute or an Fn.* call (a token) instead; for text meant literally use terraformLiteral(); if the expression is intended, suppress with the reason"],
      ...IDENTITY_BINDING_RULES,
    ] as const
  ).map(([id, severity, title, fix]) => [id, { id, severity, title, fix }]),
);

/** One rule violation. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  /** Construct path of the offending element. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
  /** The suppression reason, when suppressed. */
  readonly suppressedBecause?: string;
}

interface Element {
  readonly construct: TerraformElement;
  readonly stack: TerraformStack;
  readonly kind: "resource" | "output";
  readonly type: string;
  readonly name: string;
  readonly body: any;
  /** The unresolved principal_id of a role assignment (to match principals registered by constructs). */
  readonly rawPrincipal?: unknown;
}

const suppressions = new WeakMap<IConstruct, Map<string, string>>();
const analyses = new WeakMap<App, Finding[]>();

const PRIVILEGED_ROLES = new Set(["owner", "contributor", "user access administrator", "role based access control administrator"]);
const PRIVILEGED_ROLE_IDS = [
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
  "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // User Access Administrator
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168", // Role Based Access Control Administrator
];
const POD_TYPES = new Set(["kubernetes_pod", "kubernetes_pod_v1"]);
const TEMPLATE_TYPES = new Set([
  "kubernetes_deployment", "kubernetes_deployment_v1", "kubernetes_stateful_set", "kubernetes_stateful_set_v1",
  "kubernetes_daemonset", "kubernetes_daemon_set_v1", "kubernetes_job", "kubernetes_job_v1",
]);
const CRON_TYPES = new Set(["kubernetes_cron_job", "kubernetes_cron_job_v1"]);
const SA_TYPES = new Set(["kubernetes_service_account", "kubernetes_service_account_v1"]);
/** Outputs of these expose credentials: raw kubeconfigs, whole kubeconfig blocks, keys, certificates, passwords. */
const SECRET_OUTPUT = /kube_(admin_)?config_raw|kube_(admin_)?config(\[\d+\])?\}|\.client_key\}|\.client_certificate\}|\.password\}/;

function first<T = any>(value: any): T | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A pod spec found in a resource: the pod itself or a workload's template. */
interface PodSpecRef {
  readonly element: Element;
  readonly metadata: any;
  readonly spec: any;
}

function podSpecs(e: Element): PodSpecRef[] {
  if (POD_TYPES.has(e.type)) return [{ element: e, metadata: first(e.body.metadata), spec: first(e.body.spec) }];
  let template: any;
  if (TEMPLATE_TYPES.has(e.type)) template = first(first(e.body.spec)?.template);
  if (CRON_TYPES.has(e.type)) template = first(first(first(first(e.body.spec)?.job_template)?.spec)?.template);
  if (!template) return [];
  return [{ element: e, metadata: { ...first(template.metadata), namespace: first(e.body.metadata)?.namespace }, spec: first(template.spec) }];
}

/**
 * The security rule pass, in the spirit of cdk-nag, as a cdktf Aspect: add it to every stack
 * (`Aspects.of(stack).add(checks)`) and each synth checks all resources of the app – ours and
 * anyone else's. Errors fail the synth with the construct path, the rule id, the message and the
 * fix; warnings are annotations. Suppress a finding with {@link WorkloadIdentityChecks.suppress}.
 */
export class WorkloadIdentityChecks implements IAspect {
  /**
   * Suppresses `ruleId` on `scope` and everything below it. The reason is mandatory and is kept
   * with the finding, so reviewers see why.
   */
  public static suppress(scope: IConstruct, ruleId: string, reason: string): void {
    if (!SECURITY_RULES[ruleId]) {
      throw new Error(`WorkloadIdentityChecks.suppress: unknown rule ${JSON.stringify(ruleId)}; known rules: ${Object.keys(SECURITY_RULES).join(", ")}`);
    }
    if (reason.trim().length < 10) {
      throw new Error(`WorkloadIdentityChecks.suppress(${ruleId}) on ${scope.node.path}: give a reason of at least 10 characters`);
    }
    let map = suppressions.get(scope);
    if (!map) suppressions.set(scope, (map = new Map()));
    map.set(ruleId, reason.trim());
  }

  /** Every finding of the app, suppressed ones included (computed once per app). */
  public static findings(app: App): readonly Finding[] {
    let found = analyses.get(app);
    if (!found) {
      found = analyze(app);
      analyses.set(app, found);
    }
    return found;
  }

  /**
   * All unsuppressed error findings of the app, as messages. `checkApp` uses this to fail before
   * any stack is written.
   */
  public static errors(app: App): string[] {
    return WorkloadIdentityChecks.findings(app)
      .filter((f) => f.severity === "error" && f.suppressedBecause === undefined)
      .map(formatFinding);
  }

  public visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const stack = node as TerraformStack;
    // Once per stack, however many WorkloadIdentityChecks are attached (the constructs attach one;
    // users and older apps may attach their own).
    if (reportedStacks.has(stack)) return;
    reportedStacks.add(stack);
    const app = App.of(stack);
    const inStack = WorkloadIdentityChecks.findings(app).filter((f) => f.path === stack.node.path || f.path.startsWith(`${stack.node.path}/`));
    const findings = inStack.filter((f) => f.suppressedBecause === undefined);
    const errors = findings.filter((f) => f.severity === "error").map(formatFinding);
    const warnings = findings.filter((x) => x.severity === "warning");
    // `new App({ skipValidation: true })` makes cdktf skip every construct validation (cdktf 0.21
    // lib/synthesize/synthesizer.js, lib/app.js), the security errors and the constructs' own
    // problems among them; error annotations still fail the synth (the synthesizer throws on
    // them, and the cdktf CLI's printAnnotations exits non-zero). So with skipValidation the same
    // problems are raised as error annotations, and a warning says which checks did not run.
    const skipped = (app as { skipValidation?: boolean }).skipValidation === true;
    const problems = skipped
      ? stack.node.findAll().flatMap((c) => libraryProblems(c).map((m) => `[${c.node.path}] ${m}`))
      : [];
    if (skipped) {
      for (const message of [...problems, ...errors]) Annotations.of(stack).addError(message);
      Annotations.of(stack).addWarning(
        "skipValidation is on: cdktf skips construct validations, but the guardrails of aks-workload-identity-cdktf still ran " +
          "(their errors fail the synth); validations of other libraries and of cdktf itself did not run",
      );
    } else if (errors.length) {
      stack.node.addValidation({ validate: () => errors });
    }
    for (const f of warnings) Annotations.of(stack).addWarning(formatFinding(f));
    // The record the review reads: the security pass ran on this stack, what it found, and each
    // suppressed finding with its reason (Terraform ignores "//"). A pull request can write any
    // JSON, so the review treats it as a claim, and a stack without it as not checked.
    const suppressed = inStack
      .filter((f) => f.suppressedBecause !== undefined)
      .map((f) => ({ rule: f.ruleId, path: f.path, reason: f.suppressedBecause!, message: f.message }));
    stack.addOverride(`//.${GUARDRAILS_RECORD}`, {
      securityPass: "ran",
      skipValidation: skipped,
      errors: errors.length,
      warnings: warnings.length,
      suppressed,
    });
  }
}

const reportedStacks = new WeakSet<TerraformStack>();

export function formatFinding(f: Finding): string {
  return `[${f.ruleId}] ${f.path}: ${f.message}. Fix: ${f.fix}`;
}

// ---- Terraform templates in strings ---------------------------------------------------------------

/**
 * A template sequence Terraform would evaluate: an interpolation `${…}` or a directive `%{…}`.
 * `text` runs from the opening `${`/`%{` to its closing `}` (or to the end of the string when
 * unterminated).
 */
export interface TemplateSequence {
  readonly index: number;
  readonly text: string;
}

/**
 * The live template sequences of a string as Terraform reads it. Terraform parses every string
 * of its JSON, object keys included, as a template (developer.hashicorp.com/terraform/language/syntax/json;
 * "Strings and Templates"): `${` starts an interpolation, `%{` a directive, and `$${` / `%%{` are
 * the escapes for a literal `${` / `%{`. The scan is HCL's: left to right, an escape takes three
 * characters, so `$$${x}` reads as `$` then a literal `${x}` (checked against Terraform 1.11).
 * cdktf's own references (`${azurerm_x.y.id}`, what tokens resolve to) are live sequences too:
 * callers decide which ones matter.
 */
export function templateSequences(text: string): TemplateSequence[] {
  const found: TemplateSequence[] = [];
  for (let i = 0; i < text.length - 1; ) {
    const c = text[i];
    if ((c === "$" || c === "%") && text[i + 1] === c && text[i + 2] === "{") {
      i += 3;
    } else if ((c === "$" || c === "%") && text[i + 1] === "{") {
      const end = closingBrace(text, i + 2);
      found.push({ index: i, text: text.slice(i, end + 1) });
      i = end + 1;
    } else {
      i += 1;
    }
  }
  return found;
}

/** The index of the `}` closing a sequence whose body starts at `from` (quotes and nesting respected), or the last index. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === "{") {
      depth += 1;
    } else if (c === "}" && --depth === 0) {
      return i;
    }
  }
  return text.length - 1;
}

/**
 * `text` escaped so that Terraform reads it literally: every `${` becomes `$${` and every `%{`
 * becomes `%%{`, nothing else changes, and Terraform reads the result back as exactly `text`
 * (`templateSequences` finds nothing in it). Use it for free text that must not be an
 * expression: configuration values, or a construct prop meant literally.
 *
 * cdktf's `Fn.rawString` is not a substitute: it leaves `%{` live, and it backslash-escapes quotes
 * and newlines for use inside an expression, which a plain JSON string keeps as backslashes. Nor
 * does escaping stop cdktf itself from splicing a token marker (`${TfToken[…]}`) found in the text:
 * text from outside the program must be refused when it holds one (the app's settings are).
 */
export function terraformLiteral(text: string): string {
  return text.replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`);
}

/** cdktf's token markers (string, list and map tokens) with their keys. */
const TOKEN_MARKER = /[$#&]\{TfToken\[[^\]]*\]\}/g;

/**
 * The hand-written template sequences of a value as the program gave it: the live sequences left
 * once cdktf's token markers are taken out. A token (an attribute, an `Fn.*` call, a variable)
 * is not hand-written; `"${azurerm_user_assigned_identity.x.principal_id}"` typed as a string is.
 */
export function handWrittenTemplates(value: string): TemplateSequence[] {
  return templateSequences(value.replace(TOKEN_MARKER, "T"));
}

function suppressionOf(construct: IConstruct, ruleId: string): string | undefined {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    const reason = suppressions.get(c)?.get(ruleId);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

type Picker = (body: any) => any;

const fields =
  (...names: string[]): Picker =>
  (body) =>
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
interface TemplateHit {
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
    if (Tokenization.isResolvable(value)) return Tokenization.resolve(value, { scope, preparing: false, resolver });
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = resolveTokens(v, scope, resolver);
    return out;
  }
  return value;
}

function deepMerge(target: any, source: any): any {
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
      if (c instanceof TerraformOutput) {
        kind = "output";
        type = "output";
      } else if (c instanceof TerraformResource) {
        kind = "resource";
        type = c.terraformResourceType;
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
        rawPrincipal: type === "azurerm_role_assignment" ? body.principal_id : undefined,
      });
    }
  }
  return elements;
}

function analyze(app: App): Finding[] {
  const templateHits: TemplateHit[] = [];
  const elements = collect(app, templateHits);
  const findings: Finding[] = [];
  const reportOn = (construct: TerraformElement, ruleId: string, message: string) => {
    const rule = SECURITY_RULES[ruleId];
    findings.push({
      ruleId,
      severity: rule.severity,
      path: construct.node.path,
      message,
      fix: rule.fix,
      suppressedBecause: suppressionOf(construct, ruleId),
    });
  };
  const report = (e: Element, ruleId: string, message: string) => reportOn(e.construct, ruleId, message);

  // Hand-written templates: cdktf's escape hatch, legitimate, but where a token or a literal is
  // expected it is either a mistake (a reference typed by hand, unchecked by cdktf) or text that
  // Terraform will evaluate (`${file(…)}`).
  for (const hit of templateHits) {
    const shown = hit.value.length > 120 ? `${hit.value.slice(0, 117)}...` : hit.value;
    reportOn(
      hit.construct,
      "AZWI015",
      `${(hit.construct as TerraformResource).terraformResourceType}.${hit.attribute} is the hand-written Terraform template ${JSON.stringify(shown)}, which Terraform evaluates at plan and apply`,
    );
  }

  // Index by stack and address, for following references like ${kubernetes_service_account_v1.x.metadata[0].name}.
  const byAddress = new Map<string, Element>();
  for (const e of elements) if (e.kind !== "output") byAddress.set(`${e.stack.node.path}|${e.type}.${e.name}`, e);
  const deref = (stack: TerraformStack, value: unknown, depth = 0): unknown => {
    if (typeof value !== "string" || depth > 3) return value;
    const m = /^\$\{([a-z0-9_]+\.[^.\[]+)\.metadata\[0\]\.(name|namespace)\}$/.exec(value);
    if (!m) return value;
    const target = byAddress.get(`${stack.node.path}|${m[1]}`);
    const meta = target && first(target.body.metadata);
    return meta ? deref(stack, meta[m[2]], depth + 1) : value;
  };

  // Workload identity service accounts (annotated with a client id), by "namespace/name".
  const wiServiceAccounts = new Set<string>();
  const clientIds = new Map<string, unknown>();
  for (const e of elements) {
    if (e.kind !== "resource" || !SA_TYPES.has(e.type)) continue;
    const meta = first(e.body.metadata) ?? {};
    if (meta.annotations?.[CLIENT_ID_ANNOTATION] !== undefined) {
      wiServiceAccounts.add(`${deref(e.stack, meta.namespace ?? "default")}/${deref(e.stack, meta.name)}`);
      clientIds.set(`${deref(e.stack, meta.namespace ?? "default")}/${deref(e.stack, meta.name)}`, meta.annotations[CLIENT_ID_ANNOTATION]);
    }
  }

  // Pods and pod templates.
  const labelledServiceAccounts = new Set<string>();
  const wiPods: BindingCheckPod<Element>[] = [];
  // GitOps workloads: their pods are YAML, not Terraform, but they are part of the app.
  const stacks = app.node.findAll().filter(TerraformStack.isStack) as TerraformStack[];
  for (const g of stacks.flatMap((stack) => manifestCollectionsOf(stack))) {
    for (const objects of g.files.values()) {
      for (const o of objects) {
        const template = o.kind === "Pod" ? o : o.spec?.template;
        if (!template) continue;
        const ns = o.metadata.namespace ?? "default";
        const sa = template.spec?.serviceAccountName ?? "default";
        if (template.metadata?.labels?.[USE_LABEL] === "true") labelledServiceAccounts.add(`${ns}/${sa}`);
      }
    }
  }
  for (const e of elements) {
    if (e.kind !== "resource") continue;
    for (const pod of podSpecs(e)) {
      const ns = String(deref(e.stack, pod.metadata?.namespace ?? "default"));
      const sa = String(deref(e.stack, pod.spec?.service_account_name ?? pod.spec?.service_account ?? "default"));
      const labelled = pod.metadata?.labels?.[USE_LABEL] === "true";
      // A pod in identity-binding mode gets a token no federated credential takes: it does not count for AZWI004.
      const bindingMode = isBindingModePod(pod.metadata?.annotations);
      wiPods.push({ element: e, namespace: ns, serviceAccount: sa, labelled, bindingMode });
      if (labelled && !bindingMode) labelledServiceAccounts.add(`${ns}/${sa}`);
      if (!labelled && wiServiceAccounts.has(`${ns}/${sa}`)) {
        report(e, "AZWI005", `runs as workload identity service account ${ns}/${sa} but lacks the label ${USE_LABEL}: "true"`);
      }
      if (!labelled) continue;
      if (ns === "kube-system") report(e, "AZWI006", "is a workload identity pod in kube-system");
      const selector = pod.spec?.node_selector ?? {};
      const tolerations: any[] = pod.spec?.toleration ?? [];
      const virtual =
        selector.type === "virtual-kubelet" ||
        tolerations.some((t) => t?.key === "virtual-kubelet.io/provider" || t?.key === "azure.com/aci");
      if (virtual) report(e, "AZWI007", "targets virtual nodes (virtual-kubelet selector or toleration)");
      const containers: any[] = [...(pod.spec?.container ?? []), ...(pod.spec?.init_container ?? [])];
      const risky = containers.find((c) => {
        const sc = first(c?.security_context) ?? {};
        return sc.privileged === true || sc.allow_privilege_escalation === true;
      });
      if (risky) report(e, "AZWI014", `container ${JSON.stringify(risky.name)} is privileged or allows privilege escalation`);
    }
  }

  // Clusters whose issuer is trusted.
  const clusters = elements.filter((e) => e.kind === "resource" && e.type === "azurerm_kubernetes_cluster");
  for (const c of clusters) {
    if (c.body.local_account_disabled !== true) report(c, "AZWI010", "keeps local (certificate) accounts enabled");
  }

  // Federated credentials.
  const perIdentity = new Map<string, { count: number; pairs: Set<string> }>();
  const directSubjects = new Set<string>();
  for (const e of elements) {
    if (e.kind !== "resource" || e.type !== "azurerm_federated_identity_credential") continue;
    const { issuer, subject, audience } = e.body;
    const parent = e.body.user_assigned_identity_id ?? e.body.parent_id;
    const isKubernetes = typeof subject === "string" && subject.startsWith("system:serviceaccount:");
    if (isKubernetes && (!Array.isArray(audience) || audience.length !== 1 || audience[0] !== TOKEN_EXCHANGE_AUDIENCE)) {
      report(e, "AZWI012", `has audience ${JSON.stringify(audience)}`);
    }
    if (isKubernetes) {
      const [, , ns, sa] = subject.split(":");
      directSubjects.add(`${ns}/${sa}`);
      if (!labelledServiceAccounts.has(`${ns}/${sa}`)) {
        report(e, "AZWI004", `trusts service account ${ns}/${sa}, but no pod in this app runs as it with ${USE_LABEL}: "true"`);
      }
    }
    const issuerRef = typeof issuer === "string" ? /^\$\{azurerm_kubernetes_cluster\.([^.]+)\.oidc_issuer_url\}$/.exec(issuer) : null;
    if (issuerRef) {
      const cluster = byAddress.get(`${e.stack.node.path}|azurerm_kubernetes_cluster.${issuerRef[1]}`);
      if (cluster && (cluster.body.oidc_issuer_enabled !== true || cluster.body.workload_identity_enabled !== true)) {
        report(e, "AZWI011", `trusts cluster ${cluster.construct.node.path}, which has oidc_issuer_enabled=${cluster.body.oidc_issuer_enabled} and workload_identity_enabled=${cluster.body.workload_identity_enabled}`);
      }
    }
    // Credentials made through ManagedIdentity are counted there (per identity object).
    if (constructCredentials.has(e.construct) || typeof parent !== "string") continue;
    const key = `${e.stack.node.path}|${parent}`;
    let entry = perIdentity.get(key);
    if (!entry) perIdentity.set(key, (entry = { count: 0, pairs: new Set() }));
    entry.count += 1;
    if (entry.count === MAX_FEDERATED_CREDENTIALS_PER_IDENTITY + 1) {
      report(e, "AZWI013", `is credential number ${entry.count} of identity ${parent}; Entra allows ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY}`);
    }
    const pair = `${issuer}\n${subject}`;
    if (entry.pairs.has(pair)) report(e, "AZWI013", `repeats issuer and subject ${JSON.stringify(subject)} on identity ${parent}`);
    entry.pairs.add(pair);
  }

  identityBindingFindings(elements, wiPods, clientIds, directSubjects, report, (e, v) => deref(e.stack, v));

  // Role assignments.
  for (const e of elements) {
    if (e.kind !== "resource" || e.type !== "azurerm_role_assignment") continue;
    const principal = String(e.body.principal_id ?? "");
    // Workload principals: managed identities and application service principals, by reference,
    // and any principal a workload construct registered (e.g. ManagedIdentity.fromAttributes).
    const isWorkload =
      /azurerm_user_assigned_identity\.|azuread_service_principal\./.test(principal) ||
      (typeof e.rawPrincipal === "string" && workloadPrincipals.has(e.rawPrincipal));
    if (!isWorkload) continue;
    const role = String(e.body.role_definition_name ?? "");
    const roleId = String(e.body.role_definition_id ?? "");
    if (PRIVILEGED_ROLES.has(role.toLowerCase()) || PRIVILEGED_ROLE_IDS.some((id) => roleId.toLowerCase().endsWith(id))) {
      report(e, "AZWI001", `grants ${role || roleId} to a workload identity`);
    }
    const scope = String(e.body.scope ?? "");
    const vaultScoped = /azurerm_key_vault(_secret)?\.|\/providers\/Microsoft\.KeyVault\/vaults\//i.test(scope);
    if (/^Key Vault /i.test(role) && !vaultScoped) {
      report(e, "AZWI008", `grants ${role} at ${scope}`);
    }
  }

  // Vaults, secrets and outputs.
  for (const e of elements) {
    if (e.kind === "resource" && e.type === "azurerm_key_vault" && e.body.purge_protection_enabled !== true) {
      report(e, "AZWI002", "has purge protection off");
    }
    if (e.kind === "resource" && e.type === "azurerm_key_vault_secret" && e.body.value !== undefined) {
      report(e, "AZWI003", "sets `value`, which Terraform keeps in state");
    }
    if (e.kind === "output" && e.body.sensitive !== true && SECRET_OUTPUT.test(JSON.stringify(e.body.value ?? ""))) {
      report(e, "AZWI009", "outputs cluster credentials");
    }
  }
  return findings;
}
