#!/usr/bin/env node
/**
 * azwi-manifests --outputs OUTPUTS.json --out DIR [--stack STACK] SYNTH_DIR
 *
 * Fills the GitOps templates that `cdktf synth` wrote (SYNTH_DIR/stacks/<stack>/<directory>/…, listed
 * in each directory's ownership record) with the values of Terraform outputs – from `cdktf deploy
 * --outputs-file OUTPUTS.json` or `terraform output -json` – and writes them to
 * DIR/<stack>/<directory>/… . Every file is rendered before any is moved into place; a later run
 * replaces or removes only the files an earlier run recorded. Exit 2, writing nothing, on any bad
 * input.
 */
import * as fs from "fs";
import * as path from "path";
import {
  containedPath,
  fillObjects,
  isDirectory,
  isFile,
  LEGACY_OWNERSHIP_FILE,
  OWNERSHIP_FILE,
  readOwnership,
  removeOwned,
  renderYaml,
  TEMPLATE_EXTENSION,
  writeOwnership,
} from "../kubernetes/manifest-files";

const USAGE = [
  "usage: azwi-manifests --outputs OUTPUTS.json --out DIR [--stack STACK] SYNTH_DIR",
  "  SYNTH_DIR  a cdktf synth output directory whose stacks hold GitOps templates",
  "  --outputs  cdktf deploy --outputs-file (all stacks), or terraform output -json (one stack: pass --stack)",
  "  --stack    render only this stack's templates",
  "  --out      where the filled manifests are written (DIR/<stack>/<directory>/...)",
  "exit 0 when written; exit 2, writing nothing, on a missing or wrongly typed output or any unreadable input",
].join("\n");

/** A refusal with its message; `main` prints it and exits 2. */
class InputError extends Error {}

interface Template {
  readonly stack: string;
  /** The manifests directory relative to the stack's working directory, `/`-separated. */
  readonly directory: string;
  /** The template file relative to the manifests directory, `/`-separated. */
  readonly file: string;
  readonly objects: unknown[];
}

type Lookup = (name: string) => { value?: string; problem?: string };

/** Runs the CLI with `argv` (no node and script); returns the exit code. */
export function main(argv: string[]): number {
  try {
    return run(argv);
  } catch (e) {
    console.error(`manifests: ${(e as Error).message}`);
    return 2;
  }
}

function run(argv: string[]): number {
  let outputsFile: string | undefined;
  let outDir: string | undefined;
  let only: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--outputs" || a === "--out" || a === "--stack") {
      const v = argv[++i];
      if (v === undefined) throw new InputError(`${a} needs a value\n${USAGE}`);
      if (a === "--outputs") outputsFile = v;
      else if (a === "--out") outDir = v;
      else only = v;
    } else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith("-")) throw new InputError(`unknown option ${a}\n${USAGE}`);
    else positional.push(a);
  }
  if (!outputsFile || !outDir || positional.length !== 1) throw new InputError(USAGE);
  const synthDir = positional[0];

  const manifest = readJson(path.join(synthDir, "manifest.json"), `${synthDir} is not a cdktf synth output directory (no readable manifest.json)`);
  if (!isObject(manifest) || !isObject(manifest.stacks) || Object.keys(manifest.stacks).length === 0) {
    throw new InputError(`${path.join(synthDir, "manifest.json")}: lists no stacks – is ${synthDir} a cdktf synth output directory?`);
  }
  const stackNames = Object.keys(manifest.stacks);
  if (only !== undefined && !stackNames.includes(only)) {
    throw new InputError(`--stack ${JSON.stringify(only)}: ${synthDir} has no such stack (it has ${stackNames.join(", ")})`);
  }

  const templates: Template[] = [];
  const stackJson = new Map<string, any>();
  for (const stack of stackNames.filter((s) => only === undefined || s === only)) {
    const entry = manifest.stacks[stack];
    if (!isObject(entry)) throw new InputError(`manifest.json: stacks.${stack} is not an object`);
    const workDir = containedPath(synthDir, String(entry.workingDirectory ?? path.join("stacks", stack)), `stacks.${stack}.workingDirectory`);
    const jsonPath = containedPath(synthDir, String(entry.synthesizedStackPath), `stacks.${stack}.synthesizedStackPath`);
    const found = readTemplates(stack, workDir);
    if (found.length) stackJson.set(stack, readJson(jsonPath, `${jsonPath}: unreadable stack JSON`));
    templates.push(...found);
  }
  if (templates.length === 0) {
    throw new InputError(`${synthDir}: no GitOps templates${only ? ` in stack ${only}` : ""} – synthesize with kubernetesObjects: "manifests" first`);
  }

  const outputs = readJson(outputsFile, `${outputsFile}: unreadable outputs file`);
  const lookupFor = outputLookups(outputs, outputsFile, stackNames, [...stackJson.keys()], stackJson);

  // Render everything first: a missing or wrongly typed output writes nothing.
  const problems = new Set<string>();
  const rendered = new Map<string, Map<string, string>>(); // target directory → file → text
  for (const t of templates) {
    const lookup = lookupFor(t.stack);
    const filled = fillObjects(t.objects, (name) => {
      const found = lookup(name);
      if (found.problem) problems.add(`${t.stack}: ${name} ${found.problem}`);
      return found.value;
    });
    const target = path.join(outDir, t.stack, ...t.directory.split("/"));
    const files = rendered.get(target) ?? new Map<string, string>();
    files.set(t.file.slice(0, -TEMPLATE_EXTENSION.length) + ".yaml", renderYaml(filled.objects));
    rendered.set(target, files);
  }
  if (problems.size) {
    console.error(`manifests: these outputs have no usable value (deploy first, and pass its outputs):\n  ${[...problems].join("\n  ")}`);
    return 2;
  }

  writeAll(outDir, rendered);
  const count = [...rendered.values()].reduce((n, files) => n + files.size, 0);
  console.log(`wrote ${count} manifest file(s) to ${outDir}`);
  return 0;
}

/** The templates of one stack: the files listed in each recorded manifests directory, never other YAML. */
function readTemplates(stack: string, workDir: string): Template[] {
  const YAML = require("yaml") as typeof import("yaml");
  const found: Template[] = [];
  const visit = (dir: string, depth: number) => {
    if (depth < 0 || !isDirectory(dir)) return;
    const ownership = isFile(path.join(dir, OWNERSHIP_FILE)) || isFile(path.join(dir, LEGACY_OWNERSHIP_FILE)) ? readOwnership(dir) : undefined;
    if (ownership) {
      const directory = path.relative(workDir, dir).split(path.sep).join("/");
      for (const file of ownership.files) {
        const legacy = !file.endsWith(TEMPLATE_EXTENSION);
        const full = path.join(dir, ...file.split("/"));
        if (!isFile(full)) throw new InputError(`${full}: listed in ${path.join(dir, OWNERSHIP_FILE)} but missing – synthesize again`);
        const docs = YAML.parseAllDocuments(fs.readFileSync(full, "utf8"));
        const objects = docs.map((d) => {
          if (d.errors.length) throw new InputError(`${full}: not valid YAML (${d.errors[0].message})`);
          return d.toJS({ maxAliasCount: 100 });
        });
        found.push({ stack, directory, file: legacy ? file.replace(/\.yaml$/, "") + TEMPLATE_EXTENSION : file, objects });
      }
      return;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== ".terraform") visit(path.join(dir, e.name), depth - 1);
    }
  };
  visit(workDir, 4);
  return found;
}

/**
 * How to read each stack's outputs from `outputs`: a `cdktf deploy --outputs-file` (one key per
 * stack, values by construct path) serves every stack; `terraform output -json` (`{ NAME: { value,
 * type, sensitive } }`) belongs to one stack, so it serves only when one stack is rendered.
 */
function outputLookups(outputs: unknown, file: string, allStacks: string[], rendered: string[], stackJson: Map<string, any>): (stack: string) => Lookup {
  if (!isObject(outputs)) throw new InputError(`${file}: not a JSON object of outputs`);
  const keys = Object.keys(outputs);
  const isEnvelope = (v: unknown) => isObject(v) && "value" in v && "type" in v;
  if (keys.length > 0 && keys.every((k) => isEnvelope(outputs[k]))) {
    if (rendered.length !== 1) {
      throw new InputError(
        `${file} is \`terraform output -json\` of one stack, but templates of ${rendered.length} stacks would be filled from it (${rendered.join(", ")}); ` +
          "pass --stack with the stack it came from, or use cdktf deploy --outputs-file",
      );
    }
    return (stack) => (name) => {
      const entry = outputs[name];
      if (entry === undefined) return { problem: missing(stackJson.get(stack), name) };
      return checkValue((entry as any).value);
    };
  }
  if (keys.length > 0 && keys.every((k) => allStacks.includes(k) && isObject(outputs[k]))) {
    return (stack) => (name) => {
      const value = cdktfOutput(outputs[stack], stackJson.get(stack), name);
      return value === undefined ? { problem: missing(stackJson.get(stack), name) } : checkValue(value);
    };
  }
  throw new InputError(
    `${file}: neither a cdktf deploy --outputs-file (its keys are stack names: ${allStacks.join(", ")}) nor terraform output -json (every entry { value, type, sensitive })`,
  );
}

function missing(stackJson: any, name: string): string {
  if (stackJson?.output?.[name] === undefined) return "is not an output of this stack – synthesize and deploy again";
  return stackJson.output[name].sensitive === true
    ? "is missing: it is a sensitive output, which cdktf deploy writes to --outputs-file only with --outputs-file-include-sensitive-outputs"
    : "is missing (deploy the stack first, and pass its outputs)";
}

/** Only non-empty strings fill a placeholder: anything else would reach the YAML as another type, or break pods at runtime. */
function checkValue(value: unknown): { value?: string; problem?: string } {
  if (typeof value === "string" && value.trim() !== "") return { value };
  const shown = value === undefined ? "undefined" : JSON.stringify(value);
  return { problem: `is ${shown.length > 60 ? shown.slice(0, 57) + "..." : shown}; it must be a non-empty string` };
}

/** An output's value in one stack's part of a `cdktf deploy --outputs-file`, found by its construct path in the stack's `//.outputs`. */
function cdktfOutput(values: any, stackJson: any, name: string): unknown {
  const pathTo = (node: any, trail: string[]): string[] | undefined => {
    for (const [k, v] of Object.entries<any>(node ?? {})) {
      if (v === name) return [...trail, k];
      if (isObject(v)) {
        const found = pathTo(v, [...trail, k]);
        if (found) return found;
      }
    }
    return undefined;
  };
  // `//.outputs` is `{ <stack>: { <construct path parts…>: NAME } }`; the file holds the part below the stack.
  const parts = pathTo(stackJson?.["//"]?.outputs, []);
  if (!parts) return undefined;
  let cur = values;
  for (const p of parts.slice(1)) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}

/**
 * Writes every target directory: all files are first written to a staging directory beside `outDir`'s
 * contents, then renamed into place; files an earlier run recorded and this one does not write are
 * removed; a file nobody recorded is never overwritten.
 */
function writeAll(outDir: string, rendered: Map<string, Map<string, string>>): void {
  for (const [target, files] of rendered) {
    containedPath(outDir, path.relative(outDir, target), "output directory");
    const owned = new Set(isDirectory(target) ? readOwnership(target)?.files ?? [] : []);
    const foreign = [...files.keys()].filter((f) => !owned.has(f) && fs.existsSync(path.join(target, ...f.split("/"))));
    if (foreign.length) {
      throw new InputError(`${target} already holds ${foreign.map((f) => JSON.stringify(f)).join(", ")}, which no earlier run recorded as its own; move them or choose another --out`);
    }
  }
  fs.mkdirSync(outDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(outDir, ".azwi-manifests-staging-"));
  try {
    const moves: Array<{ from: string; to: string }> = [];
    for (const [target, files] of rendered) {
      for (const [file, text] of files) {
        const from = path.join(staging, String(moves.length));
        fs.writeFileSync(from, text);
        moves.push({ from, to: path.join(target, ...file.split("/")) });
      }
    }
    for (const m of moves) {
      fs.mkdirSync(path.dirname(m.to), { recursive: true });
      fs.renameSync(m.from, m.to);
    }
    for (const [target, files] of rendered) {
      const previous = readOwnership(target);
      if (previous) removeOwned(target, previous, new Set(files.keys()));
      writeOwnership(target, [...files.keys()], "azwi-manifests");
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function readJson(file: string, what: string): any {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`${what}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
