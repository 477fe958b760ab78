/**
 * GitOps: the Kubernetes side of workloads as YAML files instead of Terraform resources.
 *
 * Values known only after `cdktf deploy` (the identity's client id, the vault name, …) become
 * Terraform outputs, and the YAML templates hold a placeholder for each: `{{tf-output:NAME}}`.
 * `cdktf synth` writes the templates to `cdktf.out/stacks/<stack>/<directory>/`; after a deploy,
 * `npm run manifests -- --outputs outputs.json --out DIR cdktf.out` fills them in from
 * `cdktf deploy --outputs-file outputs.json` (or `terraform output -json`).
 */
import * as fs from "fs";
import * as path from "path";
import { TerraformOutput, TerraformStack, Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";

export const PLACEHOLDER = /\{\{tf-output:([A-Za-z0-9_]+)\}\}/g;

/** A Kubernetes object to write as YAML. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: any };
  readonly [k: string]: any;
}

const perStack = new WeakMap<TerraformStack, Map<string, GitOpsManifests>>();

/** Marks a directory of YAML this library wrote, so a later synth that no longer writes it removes it. */
export const OWNED_MARKER = ".azwi-manifests";

const cleaners = new WeakSet<TerraformStack>();

/**
 * Makes `scope`'s stack remove, at synth, every manifests directory an earlier synth wrote (marked
 * with {@link OWNED_MARKER}) that this synth no longer writes – e.g. after switching
 * `kubernetesObjects` back to "terraform" – so that neither a GitOps tool nor the review tool reads
 * stale YAML. Only marked directories are touched.
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
      for (const dir of markedDirectories(stackDir, 4)) {
        if (!current.has(path.resolve(dir))) fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  });
}

function markedDirectories(dir: string, depth: number): string[] {
  if (depth < 0 || !fs.existsSync(dir)) return [];
  if (fs.existsSync(path.join(dir, OWNED_MARKER))) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => markedDirectories(path.join(dir, e.name), depth - 1));
}

/** The YAML templates of one stack's GitOps workloads, written at synth. */
export class GitOpsManifests extends Construct {
  /** The collector for `directory` in `scope`'s stack, created on first use. */
  public static of(scope: IConstruct, directory = "manifests"): GitOpsManifests {
    const stack = TerraformStack.of(scope);
    let byDir = perStack.get(stack);
    if (!byDir) perStack.set(stack, (byDir = new Map()));
    let found = byDir.get(directory);
    if (!found) {
      found = new GitOpsManifests(stack, `gitops-${directory.replace(/[^A-Za-z0-9]/g, "-")}`, directory);
      byDir.set(directory, found);
    }
    return found;
  }

  /** Files (relative to the directory) and their objects, in insertion order. */
  public readonly files = new Map<string, ManifestObject[]>();
  private readonly outputsByToken = new Map<string, string>();
  private readonly outputNames = new Set<string>();

  private constructor(scope: Construct, id: string, public readonly directory: string) {
    super(scope, id);
    addCustomSynthesis(this, {
      onSynthesize: (session) => {
        const stack = TerraformStack.of(this);
        const dir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory, this.directory);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, OWNED_MARKER), "Written by cdktf synth (GitOpsManifests); removed when no longer produced.\n");
        for (const [file, objects] of this.files) {
          const target = path.join(dir, file);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, renderYaml(objects));
        }
      },
    });
  }

  /**
   * Adds an object. Every value unknown until apply becomes a Terraform output and a placeholder;
   * `hint` names the outputs (e.g. "payments_api").
   */
  public add(object: ManifestObject, hint: string): void {
    const ns = object.metadata.namespace;
    const file = `${ns ?? "_cluster"}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
    const list = this.files.get(file) ?? [];
    list.push(this.placehold(object, hint.toLowerCase(), object.kind.toLowerCase()) as ManifestObject);
    this.files.set(file, list);
  }

  /** Output names read `gitops_<namespace>_<service account>_<field>`, e.g. `…_client_id`, `…_KEYVAULT_URL`. */
  private placehold(value: any, hint: string, key: string): any {
    if (typeof value === "string") {
      if (!Token.isUnresolved(value)) return value;
      let name = this.outputsByToken.get(value);
      if (!name) {
        const base = `gitops_${hint}_${key}`.replace(/[^A-Za-z0-9_]/g, "_").replace(/_+/g, "_").slice(0, 100);
        name = base;
        for (let i = 2; this.outputNames.has(name); i++) name = `${base}_${i}`;
        const output = new TerraformOutput(this, name, {
          value,
          description: `Fills {{tf-output:${name}}} in the GitOps manifests`,
        });
        output.overrideLogicalId(name);
        this.outputNames.add(name);
        this.outputsByToken.set(value, name);
      }
      return `{{tf-output:${name}}}`;
    }
    if (Array.isArray(value)) {
      // Entries such as env vars are named by their `name`.
      return value.map((v) => this.placehold(v, hint, v && typeof v === "object" && typeof v.name === "string" ? v.name : key));
    }
    if (value !== null && typeof value === "object") {
      const out: any = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        const field = k === "value" ? key : (k.split("/").pop() ?? k);
        out[k] = this.placehold(v, hint, field);
      }
      return out;
    }
    return value;
  }
}

/** Multi-document YAML for `objects`. */
export function renderYaml(objects: readonly any[]): string {
  const YAML = require("yaml") as typeof import("yaml");
  return objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join("---\n");
}

/** Looks up an output's value in a `cdktf deploy --outputs-file` or `terraform output -json` file. */
export function outputValue(outputs: any, stack: string, stackJson: any, name: string): unknown {
  // terraform output -json: { NAME: { value, sensitive, type } }; a flat { NAME: value } also works.
  if (outputs && name in outputs) {
    const v = outputs[name];
    return v !== null && typeof v === "object" && "value" in v ? v.value : v;
  }
  // cdktf --outputs-file: { STACK: { <construct path parts…>: value } }, the path as in the stack's `//.outputs`.
  const tree = stackJson?.["//"]?.outputs ?? {};
  const pathTo = (node: any, trail: string[]): string[] | undefined => {
    for (const [k, v] of Object.entries<any>(node)) {
      if (v === name) return [...trail, k];
      if (v && typeof v === "object") {
        const found = pathTo(v, [...trail, k]);
        if (found) return found;
      }
    }
    return undefined;
  };
  const parts = pathTo(tree, []);
  if (!parts) return undefined;
  let cur = outputs?.[stack];
  for (const p of parts.slice(1)) cur = cur?.[p];
  if (cur === undefined) {
    cur = outputs;
    for (const p of parts) cur = cur?.[p];
  }
  return cur;
}

/** Replaces every placeholder in a YAML template; returns the text and the names it could not fill. */
export function fillTemplate(template: string, lookup: (name: string) => unknown): { text: string; missing: string[] } {
  const YAML = require("yaml") as typeof import("yaml");
  const missing = new Set<string>();
  const docs = YAML.parseAllDocuments(template).map((d) => d.toJS());
  const fill = (v: any): any => {
    if (typeof v === "string") {
      const whole = /^\{\{tf-output:([A-Za-z0-9_]+)\}\}$/.exec(v);
      if (whole) {
        const value = lookup(whole[1]);
        if (value === undefined) missing.add(whole[1]);
        return value === undefined ? v : value;
      }
      return v.replace(PLACEHOLDER, (m, n) => {
        const value = lookup(n);
        if (value === undefined) {
          missing.add(n);
          return m;
        }
        return String(value);
      });
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return { text: renderYaml(docs.map(fill)), missing: [...missing] };
}
