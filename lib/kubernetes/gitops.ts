/**
 * GitOps: the Kubernetes side of workloads as YAML files instead of Terraform resources.
 *
 * Values known only after `cdktf deploy` (the identity's client id, the vault name, …) become
 * Terraform outputs, and the YAML templates hold a placeholder for each: `{{tf-output:NAME}}`.
 * `cdktf synth` writes the templates to `cdktf.out/stacks/<stack>/<directory>/` as `*.yaml.tmpl`
 * (no GitOps tool applies them as they are); after a deploy, `azwi-manifests --stack STACK --outputs
 * outputs.json --out DIR cdktf.out` fills them in from `cdktf deploy --outputs-file outputs.json` (or
 * `terraform output -json`) and writes `*.yaml`.
 */
import * as fs from "fs";
import * as path from "path";
import { TerraformOutput, TerraformStack, Token, Tokenization } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
import { addLibraryValidation, manifestCollectionsOf } from "../core/internal";
import * as R from "../guardrails/rules";
import { firstProblem } from "../guardrails/rules";
import {
  containedPath,
  isDirectory,
  isFile,
  manifestFile,
  OWNERSHIP_FILE,
  LEGACY_OWNERSHIP_FILE,
  readOwnership,
  removeOwned,
  renderYaml,
  TEMPLATE_EXTENSION,
  writeOwnership,
} from "./manifest-files";

/** A Kubernetes object to write as YAML. */
export interface ManifestObject {
  /** The object's API version, e.g. `v1` or `apps/v1`. */
  readonly apiVersion: string;
  /** The object's kind, e.g. `ServiceAccount`; it decides the file's folder and the order of apply. */
  readonly kind: string;
  /** The object's metadata: its `name`, its `namespace` (none for a cluster-scoped kind), labels and annotations. */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: any };
  /** The rest of the object (`spec`, `data`, ...), written as given. */
  readonly [k: string]: any;
}

/**
 * Annotations that make GitOps tools delete and re-create a bare pod instead of updating it: a pod's
 * spec is immutable after creation (only images, tolerations and a few fields can change), so an
 * update that the API server refuses would otherwise stop the sync.
 */
export const POD_RECREATE_ANNOTATIONS: Readonly<Record<string, string>> = {
  // Argo CD: `Force=true,Replace=true` makes the sync run `kubectl replace --force` (delete, create).
  "argocd.argoproj.io/sync-options": "Force=true,Replace=true",
  // Flux kustomize-controller: re-create the object when an update fails on an immutable field.
  "kustomize.toolkit.fluxcd.io/force": "enabled",
};

/**
 * Attributes whose values are never sensitive in the providers this library uses; an output that
 * reads anything else (or an expression that is not one attribute) is written `sensitive`, so
 * Terraform accepts it whatever the provider's schema says.
 */
const NON_SENSITIVE_ATTRIBUTES = new Set([
  "application_tenant_id",
  "client_id",
  "id",
  "key_vault_id",
  "login_server",
  "name",
  "object_id",
  "oidc_issuer_url",
  "principal_id",
  "resource_id",
  "resource_versionless_id",
  "tenant_id",
  "vault_uri",
  "version",
  "versionless_id",
]);

interface StackOutputs {
  readonly names: Set<string>;
  readonly byToken: Map<string, string>;
}
const perStack = new WeakMap<TerraformStack, Map<string, GitOpsManifests>>();
const outputsPerStack = new WeakMap<TerraformStack, StackOutputs>();
const cleaners = new WeakSet<TerraformStack>();

/**
 * Makes `scope`'s stack remove, at synth, the files of every manifests directory an earlier synth
 * wrote (listed in its ownership record) that this synth no longer writes – e.g. after switching
 * `kubernetesObjects` back to "terraform" – so that neither a GitOps tool nor the review tool reads
 * stale YAML. Only the files a record lists are removed, and the directories this leaves empty.
 */
export function removeStaleManifests(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  if (cleaners.has(stack)) return;
  cleaners.add(stack);
  const holder = new Construct(stack, "gitops-stale-manifests");
  addCustomSynthesis(holder, {
    onSynthesize: (session) => {
      const stackDir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
      const current = new Set([...(perStack.get(stack)?.keys() ?? [])].map((d) => path.resolve(stackDir, d)));
      for (const dir of recordedDirectories(stackDir, 4)) {
        if (current.has(path.resolve(dir))) continue;
        const ownership = readOwnership(dir);
        if (ownership) removeOwned(dir, ownership);
      }
    },
  });
}

/** Directories below `dir` (not through symbolic links, not `.terraform`) that hold an ownership record. */
function recordedDirectories(dir: string, depth: number): string[] {
  if (depth < 0 || !isDirectory(dir)) return [];
  if (isFile(path.join(dir, OWNERSHIP_FILE)) || isFile(path.join(dir, LEGACY_OWNERSHIP_FILE))) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== ".terraform")
    .flatMap((e) => recordedDirectories(path.join(dir, e.name), depth - 1));
}

/** The YAML templates of one stack's GitOps workloads, written at synth. */
export class GitOpsManifests extends Construct {
  /**
   * The collector for `directory` in `scope`'s stack, created on first use.
   *
   * @param directory - a relative path inside the stack's synth output: `/`-separated names of
   *   letters, digits, `.`, `_` and `-`, none starting with `.` (so never `.` or `..`). Anything
   *   else fails the synth before a file is written or removed.
   */
  public static of(scope: IConstruct, directory = "manifests"): GitOpsManifests {
    const stack = TerraformStack.of(scope);
    let byDir = perStack.get(stack);
    if (!byDir) perStack.set(stack, (byDir = new Map()));
    let found = byDir.get(directory);
    if (!found) {
      const base = `gitops-${directory.replace(/[^A-Za-z0-9]/g, "-")}`;
      let id = base;
      for (let i = 2; stack.node.tryFindChild(id); i++) id = `${base}-${i}`;
      found = new GitOpsManifests(stack, id, directory);
      byDir.set(directory, found);
    }
    return found;
  }

  /** Files (relative to the directory) and their objects, in insertion order. */
  public readonly files = new Map<string, ManifestObject[]>();

  private constructor(
    scope: Construct,
    id: string,
    /** The directory, relative to the stack's synth output, that the templates are written to. */
    public readonly directory: string,
  ) {
    super(scope, id);
    manifestCollectionsOf(this).push(this);
    // Workloads report a bad directory with their other props; this check runs even when
    // validations are skipped, before any file is touched.
    const why = firstProblem(directory, R.manifestsDirectory);
    addCustomSynthesis(this, {
      onSynthesize: (session) => {
        if (why !== undefined) throw new Error(`GitOps manifests: manifestsDirectory ${JSON.stringify(directory)} ${why}`);
        const stackDir = path.join(session.outdir, session.manifest.forStack(TerraformStack.of(this)).workingDirectory);
        this.write(containedPath(stackDir, this.directory, "GitOps manifestsDirectory"));
      },
    });
  }

  /**
   * Adds an object. Every value unknown until apply becomes a Terraform output and a placeholder;
   * `hint` names the outputs (e.g. "payments_api"). A bare pod also gets the annotations that make
   * Argo CD (`argocd.argoproj.io/sync-options: Force=true,Replace=true`) and Flux
   * (`kustomize.toolkit.fluxcd.io/force: enabled`) re-create it instead of updating it, since a
   * pod's spec cannot change after creation.
   *
   * @param object - the Kubernetes object; its `kind`, name and namespace decide its file
   * @param hint - a prefix for the Terraform outputs of its values that are known only after apply
   */
  public add(object: ManifestObject, hint: string): void {
    const file = manifestFile(object.kind, object.metadata.name, object.metadata.namespace, TEMPLATE_EXTENSION);
    const list = this.files.get(file) ?? [];
    const written =
      object.kind === "Pod" && object.apiVersion === "v1"
        ? { ...object, metadata: { ...object.metadata, annotations: { ...POD_RECREATE_ANNOTATIONS, ...object.metadata.annotations } } }
        : object;
    const problems: string[] = [];
    const where = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
    list.push(this.placehold(written, hint.toLowerCase(), object.kind.toLowerCase(), "", (at, what) => problems.push(`${where}: ${at || "."} ${what}`)));
    this.files.set(file, list);
    if (problems.length) addLibraryValidation(this, () => problems.map((p) => `GitOps manifest ${p}`));
  }

  /** Writes the templates into `dir`, replacing only the files an earlier synth listed as its own. */
  private write(dir: string): void {
    const previous = isDirectory(dir) ? readOwnership(dir) : undefined;
    const owned = new Set(previous?.files ?? []);
    const files = [...this.files.keys()];
    // Never overwrite a file nobody recorded: the directory may hold someone else's files.
    const foreign = files.filter((f) => !owned.has(f) && fs.existsSync(path.join(dir, ...f.split("/"))));
    if (foreign.length) {
      throw new Error(
        `GitOps manifests: ${dir} already holds ${foreign.map((f) => JSON.stringify(f)).join(", ")}, which no earlier synth recorded as its own; ` +
          "choose another manifestsDirectory or move those files",
      );
    }
    if (previous) removeOwned(dir, previous, new Set(files));
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, objects] of this.files) {
      const target = path.join(dir, ...file.split("/"));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, renderYaml(objects));
    }
    writeOwnership(dir, files, "cdktf synth (GitOpsManifests)");
  }

  /** Output names read `gitops_<namespace>_<service account>_<field>`, e.g. `…_client_id`, `…_KEYVAULT_URL`. */
  private placehold(value: any, hint: string, key: string, at: string, problem: (at: string, what: string) => void): any {
    if (typeof value === "number" && Token.isUnresolved(value)) {
      problem(at, "is a number known only after apply; a manifest takes only strings from Terraform outputs – pass a literal number");
      return value;
    }
    if (typeof value === "string") {
      // cdktf encodes lists as ["#{TfToken[…]}"] and maps as { "&{TfToken[…]}": … }: neither is a string value.
      if (value.includes("#{TfToken[")) {
        problem(at, "is a list known only after apply; a manifest takes only strings from Terraform outputs – pass a literal list");
        return value;
      }
      if (!Token.isUnresolved(value)) return value;
      return `{{tf-output:${this.outputFor(value, hint, key)}}}`;
    }
    if (Array.isArray(value)) {
      // Entries such as env vars are named by their `name`.
      return value.map((v, i) =>
        this.placehold(v, hint, v && typeof v === "object" && typeof v.name === "string" ? v.name : key, `${at}[${i}]`, problem),
      );
    }
    if (value !== null && typeof value === "object") {
      const out: any = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        if (k.includes("&{TfToken[")) {
          problem(at, "is a map known only after apply; a manifest takes only strings from Terraform outputs – pass a literal map");
          continue;
        }
        if (Token.isUnresolved(k) || k.includes("#{TfToken[")) {
          problem(`${at}.${k}`, "is a map key known only after apply; a manifest's keys must be literal strings");
          continue;
        }
        const field = k === "value" ? key : (k.split("/").pop() ?? k);
        out[k] = this.placehold(v, hint, field, `${at}.${k}`, problem);
      }
      return out;
    }
    return value;
  }

  /** The output that carries `value`: one per distinct value in the stack, named uniquely in the stack. */
  private outputFor(value: string, hint: string, key: string): string {
    const stack = TerraformStack.of(this);
    let outputs = outputsPerStack.get(stack);
    if (!outputs) outputsPerStack.set(stack, (outputs = { names: new Set(), byToken: new Map() }));
    const known = outputs.byToken.get(value);
    if (known) return known;
    const base = `gitops_${hint}_${key}`.replace(/[^A-Za-z0-9_]/g, "_").replace(/_+/g, "_").slice(0, 100);
    let name = base;
    for (let i = 2; outputs.names.has(name); i++) name = `${base}_${i}`;
    const output = new TerraformOutput(this, name, {
      value,
      description: `Fills {{tf-output:${name}}} in the GitOps manifests`,
      sensitive: !readsNonSensitiveAttribute(value),
    });
    output.overrideLogicalId(name);
    outputs.names.add(name);
    outputs.byToken.set(value, name);
    return name;
  }
}

/**
 * True when every value known only at apply in `value` is a reference to a resource or data source
 * attribute known not to be sensitive (literal text around them is fine).
 */
function readsNonSensitiveAttribute(value: string): boolean {
  const tokens = Tokenization.reverseString(value).tokens;
  return (
    tokens.length > 0 &&
    tokens.every((token) => {
      const identifier = (token as { identifier?: unknown }).identifier;
      if (typeof identifier !== "string") return false;
      const parts = identifier.split(".");
      // `<type>.<name>.<attribute>` or `data.<type>.<name>.<attribute>`; a nested path (`a.b[0].c`) is not one attribute.
      const plain = parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p)) && (parts.length === 3 || (parts.length === 4 && parts[0] === "data"));
      return plain && NON_SENSITIVE_ATTRIBUTES.has(parts[parts.length - 1]);
    })
  );
}
