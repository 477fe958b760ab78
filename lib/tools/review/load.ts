/**
 * Reads a cdktf synth output directory (manifest.json + one cdk.tf.json per stack, and the
 * Kubernetes manifests written next to a stack) and checks the parts the review reads; anything
 * it cannot read is a {@link ReviewInputError} naming the file.
 */
import * as fs from "fs";
import * as path from "path";
import { manifestKey } from "./relevance";
import { NOT_RESOURCES, Resolver } from "./resolve";
import type { Annotation, StackDoc, SynthOutput } from "./types";
import { depthOf, MAX_DEPTH, readStrictJson, StrictJsonError } from "./strict-json";
import { GUARDRAILS_RECORD, isObject, ReviewInputError, strings } from "./util";

/** Files Terraform reads in a working directory besides the stack's cdk.tf.json: configuration, overrides, variable values. */
const TERRAFORM_FILE = /\.tf$|\.tf\.json$|\.tfvars/;
/** Kubernetes manifests: what the GitOps writer produces, and what GitOps tools apply from a directory. */
// GitOps templates (`*.yaml.tmpl`) are read too: they are what azwi-manifests fills and commits.
const MANIFEST_FILE = /\.(ya?ml|json)(\.tmpl)?$/;
/** Terraform's own working data (providers, modules fetched by init): not part of the synth output. */
const SKIPPED_DIR = new Set([".terraform"]);

/** Reads the synth output's files, refusing anything that leaves the output directory or cannot be read. */
class Reader {
  public readonly root: string;
  constructor(public readonly dir: string) {
    try {
      this.root = fs.realpathSync(dir);
    } catch (e) {
      throw new ReviewInputError(`${dir}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  /** Throws when `file` (after symlinks) is not inside the output directory. */
  public inside(file: string, what: string): string {
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ReviewInputError(code === "ENOENT" ? `${file}: ${what} is missing` : `${file}: cannot be read (${code ?? (e as Error).message})`);
    }
    if (real !== this.root && !real.startsWith(this.root + path.sep)) {
      throw new ReviewInputError(`${file}: leaves the synth output directory ${this.dir} (it resolves to ${real}, through a symlink or "..") – the review reads only what the output holds`);
    }
    return real;
  }

  public text(file: string, what: string): string {
    this.inside(file, what);
    try {
      return fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new ReviewInputError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  public json(file: string, what: string): unknown {
    const text = this.text(file, what);
    try {
      return readStrictJson(text);
    } catch (e) {
      if (e instanceof StrictJsonError) throw new ReviewInputError(`${file}: not valid JSON for the review (${e.message})`);
      throw e;
    }
  }

  /** Every file under `dir` (symlinks are checked, not followed out), relative to it; Terraform's `.terraform` is skipped. */
  public files(dir: string): string[] {
    const found: string[] = [];
    const walk = (d: string, rel: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch (e) {
        throw new ReviewInputError(`${d}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(d, e.name);
        const r = rel ? path.join(rel, e.name) : e.name;
        if (e.isSymbolicLink()) {
          const real = this.inside(p, "a symlink target");
          if (fs.statSync(real).isDirectory()) throw new ReviewInputError(`${p}: a symlink to a directory – the review does not follow it; write the files in place`);
          found.push(r);
        } else if (e.isDirectory()) {
          if (!SKIPPED_DIR.has(e.name)) walk(p, r);
        } else if (e.isFile()) found.push(r);
      }
    };
    walk(dir, "");
    return found;
  }
}

/** The Kubernetes objects of one manifest file (YAML documents, JSON, `kind: List` items), merge keys resolved. */
function manifestObjects(reader: Reader, file: string): any[] {
  const text = reader.text(file, "a manifest");
  let values: unknown[];
  if (/\.json(\.tmpl)?$/.test(file)) values = [reader.json(file, "a manifest")];
  else {
    const YAML = require("yaml") as typeof import("yaml");
    values = [];
    for (const doc of YAML.parseAllDocuments(text, { merge: true })) {
      const errors = (doc as any).errors as Array<{ message: string }> | undefined;
      if (errors?.length) throw new ReviewInputError(`${file}: not valid YAML (${errors[0].message.split("\n")[0]})`);
      try {
        values.push(doc.toJS({ maxAliasCount: 100 }));
      } catch (e) {
        throw new ReviewInputError(`${file}: refused (${(e as Error).message}) – aliases expanding to very many nodes are a resource exhaustion attack`);
      }
    }
  }
  const objects: any[] = [];
  for (const v of values) {
    if (depthOf(v) > MAX_DEPTH) throw new ReviewInputError(`${file}: nested deeper than ${MAX_DEPTH} levels`);
    if (!isObject(v) || typeof v.kind !== "string") continue;
    if (/List$/.test(v.kind) && Array.isArray(v.items)) objects.push(...v.items.filter((x: unknown) => isObject(x) && typeof (x as any).kind === "string"));
    else objects.push(v);
  }
  return objects;
}

/** Checks the parts of a stack's JSON that the review reads; throws naming the file and the place. */
function checkStackShape(file: string, json: unknown): void {
  if (!isObject(json)) throw new ReviewInputError(`${file}: not a Terraform JSON object`);
  for (const block of ["resource", "data"]) {
    if (json[block] === undefined) continue;
    if (!isObject(json[block])) throw new ReviewInputError(`${file}: "${block}" is not an object`);
    for (const [type, byName] of Object.entries(json[block])) {
      if (!isObject(byName)) throw new ReviewInputError(`${file}: ${block}.${type} is not an object of named ${block === "data" ? "data sources" : "resources"}`);
      for (const [name, body] of Object.entries(byName)) {
        if (!isObject(body)) throw new ReviewInputError(`${file}: ${block}.${type}.${name} is not an object`);
      }
    }
  }
  for (const block of ["output", "module", "terraform", "//"]) {
    if (json[block] !== undefined && !isObject(json[block])) throw new ReviewInputError(`${file}: "${block}" is not an object`);
  }
  const azwi = json["//"]?.azwi;
  if (azwi !== undefined) {
    if (!isObject(azwi)) throw new ReviewInputError(`${file}: "//".azwi is not an object`);
    for (const k of ["environment", "team"]) {
      if (azwi[k] !== undefined && typeof azwi[k] !== "string") throw new ReviewInputError(`${file}: "//".azwi.${k} is not a string`);
    }
  }
  const record = json["//"]?.[GUARDRAILS_RECORD];
  if (record !== undefined) {
    const shape = `"//".${GUARDRAILS_RECORD} must be {"suppressed": [{"rule", "path", "reason"}, …]}, as the security pass writes it`;
    if (!isObject(record) || !Array.isArray(record.suppressed)) throw new ReviewInputError(`${file}: ${shape}`);
    for (const x of record.suppressed) {
      if (!isObject(x) || ["rule", "path", "reason"].some((k) => typeof x[k] !== "string")) throw new ReviewInputError(`${file}: ${shape}`);
    }
  }
}

/** Loads `dir`; throws ReviewInputError with a message naming the file when it is not a readable synth output, or when it holds what Terraform would apply but the review cannot read. */
export function loadSynthOutput(dir: string): SynthOutput {
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    throw new ReviewInputError(`${dir}: no manifest.json here – pass a cdktf synth output directory (e.g. cdktf.out)`);
  }
  const reader = new Reader(dir);
  const manifest: any = reader.json(manifestPath, "manifest.json");
  if (!isObject(manifest) || !isObject(manifest.stacks)) {
    throw new ReviewInputError(`${manifestPath}: has no "stacks" object – is it a cdktf manifest?`);
  }
  if (Object.keys(manifest.stacks).length === 0) throw new ReviewInputError(`${manifestPath}: lists no stacks`);
  const stacks: StackDoc[] = [];
  const annotations: Annotation[] = [];
  const warnings: string[] = [];
  const root = path.resolve(dir);
  const workingDirs = new Map<string, string>();
  for (const [name, entry] of Object.entries<any>(manifest.stacks)) {
    if (!isObject(entry)) throw new ReviewInputError(`${manifestPath}: stacks.${name} is not an object`);
    const stackPath = entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json");
    if (typeof stackPath !== "string") throw new ReviewInputError(`${manifestPath}: stacks.${name}.synthesizedStackPath is not a string`);
    const workingDirectory = entry.workingDirectory ?? path.dirname(stackPath);
    if (typeof workingDirectory !== "string") throw new ReviewInputError(`${manifestPath}: stacks.${name}.workingDirectory is not a string`);
    const file = path.join(dir, stackPath);
    const workDir = path.join(dir, workingDirectory);
    for (const [field, p] of [["synthesizedStackPath", file], ["workingDirectory", workDir]]) {
      if (!path.resolve(p).startsWith(root + path.sep)) throw new ReviewInputError(`${manifestPath}: stacks.${name}.${field} points outside ${dir}`);
    }
    // Terraform applies the working directory; the review must read the file Terraform reads there.
    if (path.normalize(stackPath) !== path.join(path.normalize(workingDirectory), "cdk.tf.json")) {
      throw new ReviewInputError(
        `${manifestPath}: stacks.${name}.synthesizedStackPath ${JSON.stringify(stackPath)} is not the cdk.tf.json in its workingDirectory ${JSON.stringify(workingDirectory)} – Terraform applies what is in the working directory`,
      );
    }
    if (!fs.existsSync(file)) throw new ReviewInputError(`${file}: listed in manifest.json but missing`);
    reader.inside(workDir, "the stack's working directory");
    const other = workingDirs.get(path.resolve(workDir));
    if (other !== undefined) throw new ReviewInputError(`${manifestPath}: stacks ${other} and ${name} share the working directory ${workingDirectory}`);
    workingDirs.set(path.resolve(workDir), name);
    const json: any = reader.json(file, "the stack's cdk.tf.json");
    checkStackShape(file, json);
    const files = reader.files(workDir);
    const extra = files.filter((f) => !f.includes(path.sep) && f !== "cdk.tf.json" && TERRAFORM_FILE.test(f));
    if (extra.length) {
      throw new ReviewInputError(
        `${workDir}: holds ${extra.map((f) => JSON.stringify(f)).join(", ")} beside cdk.tf.json – Terraform reads and applies every *.tf, *.tf.json, override and *.tfvars file of a stack directory, and the review reads only cdk.tf.json; remove them from the synth output`,
      );
    }
    const manifests: Array<{ file: string; object: any }> = [];
    for (const f of files) {
      if (f === "cdk.tf.json" || !MANIFEST_FILE.test(f)) continue;
      const p = path.join(workDir, f);
      for (const object of manifestObjects(reader, p)) manifests.push({ file: p, object });
    }
    const byKey = new Map<string, string>();
    for (const m of manifests) {
      const key = manifestKey(name, m.object);
      const other = byKey.get(key);
      if (other !== undefined) warnings.push(`${m.file}: ${key.slice(name.length + 1)} is also in ${other} – a GitOps tool applies one of them, which the review cannot tell: keep one object per kind, namespace and name`);
      byKey.set(key, m.file);
    }
    const azwi = json["//"]?.azwi;
    const group = azwi ? { environment: azwi.environment, team: azwi.team } : undefined;
    const record = json["//"]?.[GUARDRAILS_RECORD];
    stacks.push({ name, json, file, manifests, ...(group ? { group } : {}), ...(record ? { guardrails: { suppressed: record.suppressed } } : {}) });
    if (!isObject(json.resource) || Object.keys(json.resource).length === 0) {
      if (!isObject(json.data) || Object.keys(json.data).length === 0) warnings.push(`${file}: stack ${name} has no resources`);
    }
    if (entry.annotations !== undefined && !Array.isArray(entry.annotations)) {
      throw new ReviewInputError(`${manifestPath}: stacks.${name}.annotations is not a list`);
    }
    for (const a of entry.annotations ?? []) {
      if (!isObject(a)) throw new ReviewInputError(`${manifestPath}: stacks.${name}.annotations holds a non-object`);
      annotations.push({ stack: name, level: String(a.level ?? ""), path: String(a.constructPath ?? ""), message: String(a.message ?? "") });
    }
  }
  const out = { dir, stacks, annotations, warnings };
  warnings.push(...danglingReferences(out));
  return out;
}

/** Warnings for references to resources, data sources or remote outputs that no stack holds. */
function danglingReferences(out: SynthOutput): string[] {
  const warnings: string[] = [];
  const resolver = new Resolver(out);
  const EXPR = /\$\{([^}]*)\}/g;
  const REFERENCE = /(?<![\w.])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\.outputs\.([A-Za-z0-9_-]+))?/g;
  for (const s of out.stacks) {
    for (const remoteName of Object.keys(s.json?.data?.terraform_remote_state ?? {})) {
      const producer = resolver.backendMismatch(s.name, remoteName);
      if (producer) {
        warnings.push(
          `${s.file ?? s.name}: data.terraform_remote_state.${remoteName} is named for stack ${producer} but reads another state (its backend and config differ from stack ${producer}'s backend): what it reads is not in this synth output, so references through it are not followed`,
        );
      }
    }
    const seen = new Set<string>();
    for (const block of ["resource", "data", "output", "module"]) {
      for (const str of strings(s.json?.[block])) {
        if (!str.includes("${")) continue;
        for (const [, expr] of str.matchAll(EXPR)) {
          for (const m of expr.matchAll(REFERENCE)) {
            const [, data, type, name, output] = m;
            if (!data && NOT_RESOURCES.has(type)) continue;
            const end = (m.index ?? 0) + m[0].length;
            if (expr[end] === "(") continue;
            const address = `${data ? "data." : ""}${type}.${name}`;
            if (seen.has(address + (output ?? ""))) continue;
            seen.add(address + (output ?? ""));
            const exists = s.json?.[data ? "data" : "resource"]?.[type]?.[name] !== undefined;
            if (!exists) {
              warnings.push(`${s.file ?? s.name}: a reference to ${address} points nowhere (no such ${data ? "data source" : "resource"} in stack ${s.name})`);
            } else if (data && type === "terraform_remote_state" && output) {
              const producer = resolver.producerOf(s.name, name, output);
              if (!producer) warnings.push(`${s.file ?? s.name}: ${address} reads output ${output}, which no stack in this synth output can be shown to produce`);
              else if (out.stacks.find((x) => x.name === producer)?.json?.output?.[output] === undefined) {
                warnings.push(`${s.file ?? s.name}: ${address} reads output ${output}, which stack ${producer} does not have`);
              }
            }
          }
        }
      }
    }
  }
  return warnings;
}
