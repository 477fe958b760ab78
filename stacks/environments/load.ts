import * as fs from "fs";
import * as path from "path";
import Ajv, { ErrorObject } from "ajv";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Node, Pair, visit } from "yaml";
import * as R from "../../lib/guardrails/rules";
import type { Rule } from "../../lib/guardrails/rules";
import { BUILT_IN_NAMESPACES } from "../../lib/guardrails/rules";
import { identityBindingName } from "../../lib/guardrails/identity-binding";
import { parseValue, ValueShape } from "../config";
import type { EnvironmentFile, EnvironmentSpec, StateSpec } from "./types";

/**
 * Environment files: one YAML file per environment in `environments/` (or `ENVIRONMENTS_DIR`).
 * Each file is read strictly (valid UTF-8, one document, no tags, no non-string keys), parsed with
 * the `yaml` package (which keeps every node's position), checked against
 * `schemas/environment.schema.json` with ajv (the schema editors use through the
 * `yaml-language-server` comment), then every string passes one gate, {@link ENVIRONMENT_FIELDS}
 * (each field's shape, parsed by the settings' own `parseValue`), and the checks across fields and
 * across files run. Every problem names the file, the line and the field path; all of them are
 * reported at once.
 */

/** The schema that ships in the repository (`schemas/environment.schema.json`). */
export const ENVIRONMENT_SCHEMA_PATH = findUp(path.join("schemas", "environment.schema.json"));

/** `rel` in the first directory up from this file that has it (sources run from stacks/ or from .build/stacks/). */
function findUp(rel: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, rel);
    if (fs.existsSync(candidate) || path.dirname(dir) === dir) return candidate;
  }
}

/** Bad environment files: every problem, each as `file:line: path: message`. */
export class EnvironmentError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`Invalid environment files:\n  ${problems.join("\n  ")}`);
    this.name = "EnvironmentError";
  }
}

/** Environment and team names: they become stack names, state keys and workspace names. */
const stackPart: readonly Rule[] = [
  R.lengthBetween(1, 24),
  R.matches(/^[a-z]([a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and '-', starting with a letter and not ending with '-'"),
];
/** Azure Storage: 3-24 lowercase letters and digits. */
const storageAccountName: readonly Rule[] = [R.lengthBetween(3, 24), R.matches(/^[a-z0-9]+$/, "lowercase letters and digits only")];
/** Blob containers: 3-63 characters, lowercase letters, digits and single '-', starting with a letter or digit. */
const containerName: readonly Rule[] = [
  R.lengthBetween(3, 63),
  R.matches(/^[a-z0-9](-?[a-z0-9])*$/, "lowercase letters, digits and single '-', starting and ending with a letter or digit"),
];
/**
 * A blob name prefix: path segments of letters, digits, '-', '_' and '.', none empty, none ending
 * in '.' (so no '.' or '..' segment), and no '..' anywhere: the state of one environment must not
 * be addressed through another's prefix.
 */
const keyPrefix: readonly Rule[] = [
  R.lengthBetween(1, 200),
  (v) => (v.includes("..") ? "must not contain '..'" : undefined),
  R.matches(
    /^[A-Za-z0-9._-]*[A-Za-z0-9_-](\/[A-Za-z0-9._-]*[A-Za-z0-9_-])*$/,
    "path segments of letters, digits, '.', '_' and '-' separated by single '/', none empty and none ending in '.'",
  ),
];
/** HCP Terraform organizations and workspace names: letters, digits, '-' and '_'. */
const hcpName: readonly Rule[] = [R.lengthBetween(1, 90), R.matches(/^[A-Za-z0-9_-]+$/, "letters, digits, '-' and '_'")];
const hcpPrefix: readonly Rule[] = [R.lengthBetween(0, 60), R.matches(/^[A-Za-z0-9_-]*$/, "letters, digits, '-' and '_'")];
const hostname: readonly Rule[] = [R.lengthBetween(1, 253), R.matches(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "a DNS host name")];

export type Where = readonly (string | number)[];

/**
 * The entries to read: `<dir>/*.yaml|yml`, the extension in any letter case (`prod.YAML` is read,
 * never skipped), sorted; none when the directory does not exist. Directories and other
 * non-files with such a name are returned too, and {@link loadEnvironments} refuses them.
 */
export function environmentFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new EnvironmentError([`${path.relative(process.cwd(), dir) || "."}: the environments directory cannot be read (${errorCode(e)})`]);
  }
  return names
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The largest environment file read (a platform's file is a few KB). */
export const MAX_ENVIRONMENT_FILE_BYTES = 1024 * 1024;

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : e instanceof Error ? e.message : String(e);
}

/** The file's text, or why it cannot be an environment file (each as `file:line: …`). */
function readText(file: string, shown: string): { readonly text: string } | { readonly problem: string } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    return { problem: `${shown}:1: cannot be read (${errorCode(e)})` };
  }
  if (stat.isDirectory()) return { problem: `${shown}:1: is a directory; names ending in .yaml or .yml in the environments directory are environment files: rename it or move it out` };
  if (!stat.isFile()) return { problem: `${shown}:1: is not a regular file (a device, pipe or socket); an environment file is a plain file` };
  if (stat.size > MAX_ENVIRONMENT_FILE_BYTES) return { problem: `${shown}:1: is ${stat.size} bytes; an environment file is at most ${MAX_ENVIRONMENT_FILE_BYTES}` };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return { problem: `${shown}:1: cannot be read (${errorCode(e)})` };
  }
  // Strict UTF-8: a lenient decoder turns bad bytes into U+FFFD, which would then reach names.
  // No multi-byte sequence holds a newline byte, so decoding line by line finds the bad line.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      try {
        decoder.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
      } catch {
        return { problem: `${shown}:${line}: is not valid UTF-8; save the file as UTF-8` };
      }
      if (end === -1) return { problem: `${shown}:1: is not valid UTF-8; save the file as UTF-8` };
      start = end + 1;
    }
  }
}

/**
 * The YAML of an environment file as plain data, or its problems: YAML 1.2 core schema only, one
 * document, no directives, no tags (`!env`, `!!binary`: a tag either means nothing here or turns
 * text into something other than text), keys that are plain strings, aliases only to anchors set
 * before them and expanding to a bounded size.
 */
function readYaml(text: string, shown: string, lines: LineCounter): { readonly doc: ReturnType<typeof parseDocument>; readonly data: unknown } | { readonly problems: string[] } {
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true, version: "1.2", schema: "core" });
  const at = (offset: number | undefined) => `${shown}:${lines.linePos(offset ?? 0).line}`;
  const problems: string[] = [];
  for (const e of doc.errors) problems.push(`${at(e.pos[0])}: YAML syntax error: ${firstLine(e.message)}`);
  if (problems.length) return { problems };
  // An unresolved tag is also a warning; the tag check below reports it once, with the rule.
  for (const w of doc.warnings.filter((x) => x.code !== "TAG_RESOLVE_FAILED")) problems.push(`${at(w.pos[0])}: YAML: ${firstLine(w.message)} (environment files are plain data: remove it)`);
  if (doc.directives?.yaml.explicit || /^%/m.test(text.slice(0, doc.range[0]))) {
    problems.push(`${shown}:1: YAML directives (%YAML, %TAG) are not read: environment files are plain YAML 1.2`);
  }
  let alias: Node | undefined;
  visit(doc, {
    Node(_, node) {
      if (node.tag !== undefined) {
        problems.push(`${at(node.range?.[0])}: YAML tag ${node.tag.replace(/^tag:yaml\.org,2002:/, "!!")} is not read: environment files are plain data (strings, numbers, booleans, lists, maps); remove the tag`);
      }
      if (isAlias(node)) alias ??= node;
    },
    Pair(_, pair) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== "string") {
        problems.push(`${at(key?.range?.[0] ?? (pair.value as Node | null)?.range?.[0])}: a map key must be a plain name (is ${isScalar(key) ? typeof key.value : "a list or map"})`);
      }
    },
  });
  if (problems.length) return { problems };
  try {
    // maxAliasCount bounds what aliases expand to (an "alias bomb" would otherwise take all memory).
    return { doc, data: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    return { problems: [`${at(alias?.range?.[0])}: YAML alias: ${firstLine(e instanceof Error ? e.message : String(e))}`] };
  }
}

let validator: ReturnType<Ajv["compile"]> | undefined;
function schemaValidator() {
  if (!validator) {
    // allErrors: every problem of a file at once. strict: the schema itself is checked too.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    validator = ajv.compile(JSON.parse(fs.readFileSync(ENVIRONMENT_SCHEMA_PATH, "utf8")));
  }
  return validator;
}

/**
 * Reads and checks environment files. `display` turns a file path into what messages show
 * (relative to the project, so no machine path appears in any message).
 */
export function loadEnvironments(
  files: readonly string[],
  regions: R.RegionSettings = {},
  display: (file: string) => string = (f) => path.relative(process.cwd(), f),
): EnvironmentSpec[] {
  const problems: string[] = [];
  const environments: EnvironmentSpec[] = [];
  const locations = new Map<EnvironmentSpec, Locate>();
  for (const file of files) {
    const shown = display(file);
    const name = path.basename(file).replace(/\.ya?ml$/i, "");
    const lines = new LineCounter();
    const read = readText(file, shown);
    if ("problem" in read) {
      problems.push(read.problem);
      continue;
    }
    const parsed = readYaml(read.text, shown, lines);
    if ("problems" in parsed) {
      problems.push(...parsed.problems);
      continue;
    }
    const { doc } = parsed;
    const at = (where: Where, key = false) => `${shown}:${lineOf(doc.contents as Node | null, where, key, lines)}: ${pathText(where)}`;
    const fileProblems: string[] = [];
    const nameWhy = R.firstProblem(name, stackPart);
    if (nameWhy) fileProblems.push(`${shown}:1: the file name gives the environment name ${JSON.stringify(name)}, which ${nameWhy}`);
    const validate = schemaValidator();
    let data = parsed.data;
    if (!validate(data)) {
      fileProblems.push(...schemaMessages(validate.errors ?? [], at));
    } else {
      const gated = gateStrings(data, environmentFields(regions), at);
      fileProblems.push(...gated.problems);
      data = gated.data;
      if (gated.problems.length === 0) fileProblems.push(...ruleProblems(data as EnvironmentFile, at));
    }
    problems.push(...fileProblems);
    if (fileProblems.length === 0) {
      const env: EnvironmentSpec = { name, file: shown, ...(data as EnvironmentFile) };
      environments.push(env);
      locations.set(env, (where, key) => at(where, key));
    }
  }
  const seen = new Map<string, string>();
  for (const env of environments) {
    const other = seen.get(env.name);
    if (other) problems.push(`${env.file}:1: environment ${JSON.stringify(env.name)} is also defined by ${other} (one file per environment)`);
    seen.set(env.name, env.file);
  }
  // `cdktf deploy '<env>-*'` selects one environment only if no other environment's stacks match it.
  for (const a of environments) {
    for (const b of environments) {
      if (a !== b && b.name.startsWith(`${a.name}-`)) {
        problems.push(`${b.file}:1: environment ${JSON.stringify(b.name)} starts with environment ${JSON.stringify(a.name)} and "-", so cdktf deploy '${a.name}-*' would select both; rename one`);
      }
    }
  }
  problems.push(...stateCollisions(environments.filter((e) => environments.filter((o) => o.name === e.name).length === 1), locations));
  if (problems.length) throw new EnvironmentError(problems);
  for (const [env, locate] of locations) entryLocations.set(env.file, locate);
  return environments;
}

/** `file:line: field.path` of a field of a loaded environment (its key's line when `key`). */
export type Locate = (where: Where, key?: boolean) => string;
/** By the file as messages show it (a copy of a spec, e.g. with the default state, keeps its file). */
const entryLocations = new Map<string, Locate>();

/** Where a field of a loaded environment is written, as `file:line: field.path` (`file:line` for the whole file). */
export function locate(env: EnvironmentSpec, where: Where, key = false): string {
  const found = entryLocations.get(env.file);
  const text = found ? found(where, key) : `${env.file}:1: ${pathText(where)}`;
  return where.length === 0 ? text.replace(/: \(top level\)$/, "") : text;
}

function firstLine(message: string): string {
  return message.split("\n")[0];
}

function pathText(where: Where): string {
  if (where.length === 0) return "(top level)";
  return where.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** The 1-based line of the node at `where` (its key when `key`), or of the closest parent that exists. */
function lineOf(root: Node | null, where: Where, key: boolean, lines: LineCounter): number {
  let node: Node | null = root;
  let pair: Pair | undefined;
  for (const part of where) {
    if (isMap(node)) {
      pair = node.items.find((p) => isScalar(p.key) && p.key.value === part) as Pair | undefined;
      if (!pair) break;
      node = (pair.value as Node | null) ?? null;
      if (!node) break;
    } else if (isSeq(node) && typeof part === "number" && node.items[part]) {
      pair = undefined;
      node = node.items[part] as Node;
    } else break;
  }
  const target = key && pair && isPair(pair) ? (pair.key as Node) : (node ?? (pair?.key as Node | undefined));
  const offset = target?.range?.[0] ?? 0;
  return lines.linePos(offset).line;
}

function pointer(instancePath: string): (string | number)[] {
  return instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** ajv's errors as the app's messages, without the noise of `if`/`oneOf` wrappers. */
function schemaMessages(errors: readonly ErrorObject[], at: (where: Where, key?: boolean) => string): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const where = pointer(e.instancePath);
    switch (e.keyword) {
      case "if":
        continue; // the failing branch's own errors say what is wrong
      case "additionalProperties": {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        out.push(`${at([...where, key], true)}: unknown key ${JSON.stringify(key)} (misspelled? allowed here: ${allowed(e)})`);
        break;
      }
      case "required":
        out.push(`${at(where, true)}: missing required key ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}`);
        break;
      case "enum":
        out.push(`${at(where)}: must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`);
        break;
      case "const":
        out.push(`${at(where)}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`);
        break;
      case "oneOf":
        if (where.length === 0) out.push(`${at(where)}: give either "teams" (one stack per team) or "workloads" (one stack per namespace), not both and not neither`);
        else out.push(`${at(where)}: ${e.message}`);
        break;
      case "not":
        out.push(`${at(where)}: give either "identityName" (an own identity) or "sharedIdentity" (one of the environment's identities), not both`);
        break;
      default:
        out.push(`${at(where)}: ${e.message}`);
    }
  }
  return [...new Set(out)];
}

function allowed(e: ErrorObject): string {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props).join(", ") : "see the schema";
}

const choice = (...choices: string[]): ValueShape => ({ kind: "choice", choices });
const named = (rules: readonly Rule[]): ValueShape => ({ kind: "name", rules: () => rules });
const shaped = (rules: readonly Rule[]): ValueShape => ({ kind: "pattern", rules: () => rules });

/** The string fields of a workload (under `workloads[]` and `teams[].workloads[]`). */
const WORKLOAD_FIELDS: Record<string, ValueShape> = {
  namespace: named(R.workloadNamespace),
  serviceAccount: named([...R.dns1123Subdomain, ...R.workloadServiceAccountName]),
  identityName: named(R.identityName),
  sharedIdentity: named(R.identityName),
  grantScope: choice("secret", "vault"),
  "secrets[].name": named(R.keyVaultSecretName),
  "pods[].name": named(R.dns1123Subdomain),
  "pods[].image": shaped(R.imageReference),
  "deployments[].name": named(R.dns1123Subdomain),
  "deployments[].image": shaped(R.imageReference),
};

/**
 * Every string field of an environment file and its shape: the one gate between a file and the
 * stacks. A string is parsed by `parseValue` (the settings' parser) with its field's shape: a shaped
 * field (a choice, an Azure or Kubernetes name by the constructs' own rules, a GUID, a region, an
 * image reference by the distribution grammar) is refused unless it matches, and no shape admits
 * `$`, `%`, `{` or `}`; a free-text field would be escaped for Terraform (none is today). A string
 * in a field this table does not name is refused: a new schema field fails until it is classified
 * here (the schema-walk test checks the table against the schema).
 *
 * Keys: the field path, `[]` for any list index.
 */
export function environmentFields(regions: R.RegionSettings = {}): Record<string, ValueShape> {
  const fields: Record<string, ValueShape> = {
    subscription: shaped(R.subscriptionId),
    location: {
      kind: "region",
      rules: () => [...R.regionName, R.knownRegion(regions, "the AZURE_ADDITIONAL_REGIONS setting (comma-separated, environment or context)"), R.federationRegion(regions)],
    },
    resourceGroup: named(R.resourceGroupName),
    "state.backend": choice("local", "azurerm", "cloud"),
    "state.resourceGroup": named(R.resourceGroupName),
    "state.storageAccount": named(storageAccountName),
    "state.container": named(containerName),
    "state.keyPrefix": shaped(keyPrefix),
    "state.subscription": shaped(R.subscriptionId),
    "state.tenant": shaped(R.tenantId),
    "state.organization": named(hcpName),
    "state.hostname": shaped(hostname),
    "state.workspacePrefix": named(hcpPrefix),
    "cluster.name": named(R.aksClusterName),
    "cluster.resourceGroup": named(R.resourceGroupName),
    "cluster.vmSize": shaped(R.vmSize),
    "cluster.localAccounts": choice("disabled", "enabled"),
    "vault.name": named(R.keyVaultName),
    "vault.resourceGroup": named(R.resourceGroupName),
    "vault.permissionModel": choice("rbac", "access-policy"),
    "kubernetes.auth": choice("kubelogin", "client-certificate"),
    "kubernetes.kubeloginMode": choice("azurecli", "workloadidentity", "spn", "msi"),
    "kubernetes.kubeloginEnvironment": choice("azurerm", "azure"),
    "identities[].name": named(R.identityName),
    "identities[].binding": named(identityBindingName),
    "teams[].name": named(stackPart),
  };
  for (const [field, shape] of Object.entries(WORKLOAD_FIELDS)) {
    fields[`workloads[].${field}`] = shape;
    fields[`teams[].workloads[].${field}`] = shape;
  }
  return fields;
}

/** A field path as the table's key: list indexes as `[]`. */
export function fieldPattern(where: Where): string {
  return where.map((p, i) => (typeof p === "number" ? "[]" : i === 0 ? p : `.${p}`)).join("");
}

/**
 * Every string of `data` through `fields` ({@link environmentFields}): the data with each string
 * replaced by its parsed value (free text escaped), and the problems, each `at(field): …`.
 */
export function gateStrings(
  data: unknown,
  fields: Readonly<Record<string, ValueShape>>,
  at: (where: Where) => string = pathText,
): { readonly data: unknown; readonly problems: string[] } {
  const problems: string[] = [];
  const walk = (value: unknown, where: Where): unknown => {
    if (typeof value === "string") {
      const shape = Object.prototype.hasOwnProperty.call(fields, fieldPattern(where)) ? fields[fieldPattern(where)] : undefined;
      if (!shape) {
        problems.push(`${at(where)}: ${JSON.stringify(value)} is in a field the loader has no shape for, so it is refused (a field added to the schema must be added to environmentFields)`);
        return value;
      }
      const parsed = parseValue(shape, value);
      if ("why" in parsed) {
        problems.push(`${at(where)}: ${JSON.stringify(value)} ${parsed.why}`);
        return value;
      }
      return parsed.value;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...where, i]));
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...where, k])]));
    return value;
  };
  const out = walk(data, []);
  return { data: out, problems };
}

/**
 * Where each stack's state lives, for every environment: two stacks of the app (of one file or
 * two) must never share one, or each apply would overwrite the other's state. Local files and
 * Azure Storage blobs are named by the stack (unique in the app), but HCP Terraform workspaces are
 * `<workspacePrefix><stack>`, and two prefixes can meet (`a` + `b-web` and `ab-` + `web`). Names
 * are compared without case (fail closed: a service that compares them with case loses nothing).
 */
function stateCollisions(environments: readonly EnvironmentSpec[], locations: ReadonlyMap<EnvironmentSpec, Locate>): string[] {
  const out: string[] = [];
  const seen = new Map<string, { env: EnvironmentSpec; stack: string }>();
  for (const env of environments) {
    const where = (): string => (locations.get(env)?.(env.state ? ["state"] : [], true) ?? `${env.file}:1`).replace(/: \(top level\)$/, "");
    for (const stack of stackIdsOf(env)) {
      const address = stateAddress(env.state, env.name, stack);
      if (address === undefined) continue;
      const first = seen.get(address.toLowerCase());
      if (first) {
        const other = locations.get(first.env)?.(first.env.state ? ["state"] : [], true) ?? `${first.env.file}:1`;
        out.push(`${where()}: stack ${stack} keeps its state in ${address}, as stack ${first.stack} of ${other.replace(/: \(top level\)$/, "")} does; two stacks sharing a state overwrite each other: change the prefix`);
      } else seen.set(address.toLowerCase(), { env, stack });
    }
  }
  return out;
}

/** The stack ids an environment gives: `<env>-platform` and one per team (or namespace). */
export function stackIdsOf(env: EnvironmentFile & { readonly name: string }): string[] {
  const groups = env.teams ? env.teams.map((t) => t.name) : [...new Set((env.workloads ?? []).map((w) => w.namespace))];
  return [`${env.name}-platform`, ...groups.map((g) => `${env.name}-${g}`)];
}

/** The state a stack keeps, as one comparable address (the file's own `state`; the app's default state is the same for every file). */
function stateAddress(state: StateSpec | undefined, environment: string, stack: string): string | undefined {
  switch (state?.backend ?? "local") {
    case "local":
      return `local file terraform.${stack}.tfstate`;
    case "azurerm": {
      const s = state as Extract<StateSpec, { backend: "azurerm" }>;
      return `Azure Storage blob ${s.storageAccount}/${s.container}/${s.keyPrefix ?? environment}/${stack}.tfstate`;
    }
    case "cloud": {
      const s = state as Extract<StateSpec, { backend: "cloud" }>;
      return `HCP Terraform workspace ${s.hostname ?? "app.terraform.io"}/${s.organization}/${s.workspacePrefix ?? ""}${stack}`;
    }
  }
  return undefined;
}

/** The checks across fields of one file, after every string has passed the gate. */
function ruleProblems(env: EnvironmentFile, at: (where: Where) => string): string[] {
  const out: string[] = [];
  const check = (where: Where, value: string | undefined, rules: readonly Rule[]) => {
    if (value === undefined) return;
    const why = R.firstProblem(value, rules);
    if (why) out.push(`${at(where)}: ${JSON.stringify(value)} ${why}`);
  };
  const c = env.cluster;
  // A new cluster's name is also its DNS prefix.
  if (!c.existing) check(["cluster", "name"], c.name, R.aksDnsPrefix);
  if (!c.existing && c.localAccounts !== "enabled" && env.kubernetes?.auth === "client-certificate") {
    out.push(`${at(["kubernetes", "auth"])}: "client-certificate" needs cluster.localAccounts "enabled": with local accounts disabled the cluster has no client certificate; use "kubelogin"`);
  }
  const shared = new Set<string>();
  (env.identities ?? []).forEach((id, i) => {
    if (shared.has(id.name.toLowerCase())) out.push(`${at(["identities", i, "name"])}: identity ${JSON.stringify(id.name)} is listed twice`);
    shared.add(id.name.toLowerCase());
  });
  const used = new Set<string>();
  const teams = new Set<string>();
  const workloadLists: { where: Where; workloads: EnvironmentFile["workloads"] }[] = env.teams
    ? env.teams.map((t, i) => {
        if (t.name === "platform") out.push(`${at(["teams", i, "name"])}: "platform" is the environment's platform stack; name the team otherwise`);
        if (teams.has(t.name)) out.push(`${at(["teams", i, "name"])}: team ${JSON.stringify(t.name)} is listed twice`);
        teams.add(t.name);
        return { where: ["teams", i, "workloads"], workloads: t.workloads };
      })
    : [{ where: ["workloads"], workloads: env.workloads }];
  const accounts = new Map<string, string>();
  const namespaceTeam = new Map<string, string>();
  const newSecrets = new Map<string, string>();
  const existingSecrets = new Map<string, string>();
  /** Grants to shared identities by identity and scope: the same grant twice fails at apply (409). */
  const sharedGrants = new Map<string, string>();
  for (const { where, workloads } of workloadLists) {
    (workloads ?? []).forEach((w, i) => {
      const here = [...where, i];
      if (!env.teams) {
        // The namespace names the stack <env>-<namespace>.
        check([...here, "namespace"], w.namespace, stackPart.slice(0, 1));
        if (w.namespace === "platform") out.push(`${at([...here, "namespace"])}: without teams the namespace names the stack, and "platform" is the environment's platform stack; name teams instead`);
      } else {
        // A namespace belongs to one team: its stack creates the namespace, and another team's
        // stack could be deployed before it.
        const team = where[1] as number;
        const owner = namespaceTeam.get(w.namespace);
        if (owner !== undefined && owner !== env.teams[team].name) {
          out.push(`${at([...here, "namespace"])}: namespace ${JSON.stringify(w.namespace)} is also used by team ${JSON.stringify(owner)}; a namespace belongs to one team`);
        }
        namespaceTeam.set(w.namespace, owner ?? env.teams[team].name);
      }
      if (w.sharedIdentity !== undefined) {
        if (!shared.has(w.sharedIdentity.toLowerCase())) {
          out.push(`${at([...here, "sharedIdentity"])}: ${JSON.stringify(w.sharedIdentity)} is not one of the environment's identities (${[...shared].join(", ") || "none listed"})`);
        }
        used.add(w.sharedIdentity.toLowerCase());
      }
      if (w.createNamespace && BUILT_IN_NAMESPACES.includes(w.namespace)) {
        out.push(`${at([...here, "createNamespace"])}: namespace ${JSON.stringify(w.namespace)} exists in every cluster and cannot be created`);
      }
      const key = `${w.namespace}/${w.serviceAccount}`;
      const other = accounts.get(key);
      if (other) out.push(`${at([...here, "serviceAccount"])}: service account ${key} is also used by ${other} (one workload per service account)`);
      accounts.set(key, pathText(here));
      if (env.vault.permissionModel === "access-policy" && w.grantScope === "secret") {
        out.push(`${at([...here, "grantScope"])}: "secret" cannot be used with vault.permissionModel "access-policy": access policies apply to the whole vault`);
      }
      const vaultWide = (w.grantScope ?? (env.vault.permissionModel === "access-policy" ? "vault" : "secret")) === "vault";
      if (w.sharedIdentity !== undefined && (w.secrets ?? []).length > 0) {
        const scopes = vaultWide ? ["the vault"] : (w.secrets ?? []).map((s) => `secret ${JSON.stringify(s.name)}`);
        for (const scope of scopes) {
          const key = `${w.sharedIdentity.toLowerCase()}|${scope.toLowerCase()}`;
          const other = sharedGrants.get(key);
          if (other) {
            out.push(`${at([...here, vaultWide ? "grantScope" : "secrets"])}: shared identity ${JSON.stringify(w.sharedIdentity)} is already granted ${scope} by ${other}; the same grant twice fails at apply (RoleAssignmentExists, or an existing access policy): list it once`);
          } else sharedGrants.set(key, pathText(here));
        }
      }
      (w.secrets ?? []).forEach((s, j) => {
        const sw = [...here, "secrets", j, "name"];
        // A new secret is written by one workload's stack; another workload (maybe in a stack
        // deployed first) can neither write it again nor read it as existing in the same deploy.
        const key = s.name.toLowerCase();
        const mine = s.existing ? existingSecrets : newSecrets;
        const created = newSecrets.get(key);
        if (created) out.push(`${at(sw)}: secret ${JSON.stringify(s.name)} is created by ${created}; give each workload its own new secret, or create it outside and list it as existing everywhere`);
        else if (!s.existing && existingSecrets.has(key)) out.push(`${at(sw)}: secret ${JSON.stringify(s.name)} is new here but listed as existing by ${existingSecrets.get(key)}`);
        if (!mine.has(key)) mine.set(key, pathText(here));
      });
    });
  }
  (env.identities ?? []).forEach((id, i) => {
    if (!used.has(id.name.toLowerCase())) out.push(`${at(["identities", i, "name"])}: identity ${JSON.stringify(id.name)} is not used by any workload (remove it, or name it in a workload's sharedIdentity)`);
  });
  return out;
}
