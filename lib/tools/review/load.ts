/**
 * Reads a cdktf synth output directory (manifest.json + one cdk.tf.json per stack, and the
 * Kubernetes manifests written next to a stack) and checks the parts the review reads; anything
 * it cannot read is a {@link ReviewInputError} naming the file.
 */
import * as fs from "fs";
import * as path from "path";
import { NOT_RESOURCES, Resolver } from "./resolve";
import type { Annotation, StackDoc, SynthOutput } from "./types";
import { isObject, ReviewInputError, strings } from "./util";

function yamlObjects(dir: string): Array<{ file: string; object: any }> {
  if (!fs.existsSync(dir)) return [];
  const found: Array<{ file: string; object: any }> = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...yamlObjects(p));
    else if (e.name.endsWith(".yaml") || e.name.endsWith(".yml")) {
      const YAML = require("yaml") as typeof import("yaml");
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(p, "utf8"))) {
        const errors = (doc as any).errors as Array<{ message: string }> | undefined;
        if (errors?.length) throw new ReviewInputError(`${p}: not valid YAML (${errors[0].message.split("\n")[0]})`);
        const object = doc.toJS();
        if (object && typeof object === "object" && object.kind) found.push({ file: p, object });
      }
    }
  }
  return found;
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
}

/** Loads `dir`; throws ReviewInputError with a message naming the file when it is not a readable synth output. */
export function loadSynthOutput(dir: string): SynthOutput {
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    throw new ReviewInputError(`${dir}: no manifest.json here – pass a cdktf synth output directory (e.g. cdktf.out)`);
  }
  let manifest: any;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new ReviewInputError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(manifest) || !isObject(manifest.stacks)) {
    throw new ReviewInputError(`${manifestPath}: has no "stacks" object – is it a cdktf manifest?`);
  }
  if (Object.keys(manifest.stacks).length === 0) throw new ReviewInputError(`${manifestPath}: lists no stacks`);
  const stacks: StackDoc[] = [];
  const annotations: Annotation[] = [];
  const warnings: string[] = [];
  const root = path.resolve(dir);
  for (const [name, entry] of Object.entries<any>(manifest.stacks)) {
    if (!isObject(entry)) throw new ReviewInputError(`${manifestPath}: stacks.${name} is not an object`);
    const stackPath = entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json");
    if (typeof stackPath !== "string") throw new ReviewInputError(`${manifestPath}: stacks.${name}.synthesizedStackPath is not a string`);
    const file = path.join(dir, stackPath);
    if (!path.resolve(file).startsWith(root + path.sep)) {
      throw new ReviewInputError(`${manifestPath}: stacks.${name}.synthesizedStackPath points outside ${dir}`);
    }
    if (!fs.existsSync(file)) throw new ReviewInputError(`${file}: listed in manifest.json but missing`);
    let json: any;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new ReviewInputError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    checkStackShape(file, json);
    const azwi = json["//"]?.azwi;
    const group = azwi ? { environment: azwi.environment, team: azwi.team } : undefined;
    stacks.push({ name, json, file, manifests: yamlObjects(path.dirname(file)), ...(group ? { group } : {}) });
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
