import * as fs from "fs";
import * as path from "path";
import Ajv, { ErrorObject } from "ajv";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Node, Pair } from "yaml";
import * as R from "../../lib/guardrails/rules";
import type { Rule } from "../../lib/guardrails/rules";
import { BUILT_IN_NAMESPACES } from "../../lib/guardrails/rules";
import type { EnvironmentFile, EnvironmentSpec } from "./types";

/**
 * Environment files (issue 12): one YAML file per environment in `environments/` (or
 * `ENVIRONMENTS_DIR`). Each file is parsed with the `yaml` package (which keeps every node's
 * position), checked against `schemas/environment.schema.json` with ajv (the schema editors use
 * through the `yaml-language-server` comment), then every name is checked with the constructs' own
 * rules. Every problem names the file, the line and the field path; all of them are reported at once.
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
/** A blob name prefix: path segments of letters, digits, '-', '_' and '.'. */
const keyPrefix: readonly Rule[] = [R.lengthBetween(1, 200), R.matches(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "path segments of letters, digits, '.', '_' and '-', separated by '/'")];
/** HCP Terraform organizations and workspace names: letters, digits, '-' and '_'. */
const hcpName: readonly Rule[] = [R.lengthBetween(1, 90), R.matches(/^[A-Za-z0-9_-]+$/, "letters, digits, '-' and '_'")];
const hcpPrefix: readonly Rule[] = [R.lengthBetween(0, 60), R.matches(/^[A-Za-z0-9_-]*$/, "letters, digits, '-' and '_'")];
const hostname: readonly Rule[] = [R.lengthBetween(1, 253), R.matches(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "a DNS host name")];

type Where = readonly (string | number)[];

/** The files to read: `<dir>/*.yaml|yml`, sorted, or none when the directory does not exist. */
export function environmentFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
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
  for (const file of files) {
    const shown = display(file);
    const name = path.basename(file).replace(/\.ya?ml$/, "");
    const lines = new LineCounter();
    const text = fs.readFileSync(file, "utf8");
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push(`${shown}:${lines.linePos(e.pos[0]).line}: YAML syntax error: ${firstLine(e.message)}`);
      continue;
    }
    const at = (where: Where, key = false) => `${shown}:${lineOf(doc.contents as Node | null, where, key, lines)}: ${pathText(where)}`;
    const fileProblems: string[] = [];
    const nameWhy = R.firstProblem(name, stackPart);
    if (nameWhy) fileProblems.push(`${shown}:1: the file name gives the environment name ${JSON.stringify(name)}, which ${nameWhy}`);
    const data = doc.toJS() as unknown;
    const validate = schemaValidator();
    if (!validate(data)) {
      fileProblems.push(...schemaMessages(validate.errors ?? [], at));
    } else {
      fileProblems.push(...ruleProblems(data as EnvironmentFile, at, regions));
    }
    problems.push(...fileProblems);
    if (fileProblems.length === 0) environments.push({ name, file: shown, ...(data as EnvironmentFile) });
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
  if (problems.length) throw new EnvironmentError(problems);
  return environments;
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

/** The constructs' rules (and this app's) on every name, after the schema has given the shape. */
function ruleProblems(env: EnvironmentFile, at: (where: Where) => string, regions: R.RegionSettings): string[] {
  const out: string[] = [];
  const check = (where: Where, value: string | undefined, rules: readonly Rule[]) => {
    if (value === undefined) return;
    const why = R.firstProblem(value, rules);
    if (why) out.push(`${at(where)}: ${JSON.stringify(value)} ${why}`);
  };
  check(["subscription"], env.subscription, R.subscriptionId);
  check(["location"], env.location, [
    ...R.regionName,
    R.knownRegion(regions, "the AZURE_ADDITIONAL_REGIONS setting (comma-separated, environment or context)"),
    R.federationRegion(regions),
  ]);
  check(["resourceGroup"], env.resourceGroup, R.resourceGroupName);
  const state = env.state;
  if (state?.backend === "azurerm") {
    check(["state", "resourceGroup"], state.resourceGroup, R.resourceGroupName);
    check(["state", "storageAccount"], state.storageAccount, storageAccountName);
    check(["state", "container"], state.container, containerName);
    check(["state", "keyPrefix"], state.keyPrefix, keyPrefix);
    check(["state", "subscription"], state.subscription, R.subscriptionId);
    check(["state", "tenant"], state.tenant, R.tenantId);
  } else if (state?.backend === "cloud") {
    check(["state", "organization"], state.organization, hcpName);
    check(["state", "hostname"], state.hostname, hostname);
    check(["state", "workspacePrefix"], state.workspacePrefix, hcpPrefix);
  }
  const c = env.cluster;
  check(["cluster", "name"], c.name, c.existing ? R.aksClusterName : [...R.aksClusterName, ...R.aksDnsPrefix]);
  if (c.existing) check(["cluster", "resourceGroup"], c.resourceGroup, R.resourceGroupName);
  else check(["cluster", "vmSize"], c.vmSize, R.vmSize);
  check(["vault", "name"], env.vault.name, R.keyVaultName);
  if (env.vault.existing) check(["vault", "resourceGroup"], env.vault.resourceGroup, R.resourceGroupName);
  if (!c.existing && c.localAccounts !== "enabled" && env.kubernetes?.auth === "client-certificate") {
    out.push(`${at(["kubernetes", "auth"])}: "client-certificate" needs cluster.localAccounts "enabled": with local accounts disabled the cluster has no client certificate; use "kubelogin"`);
  }
  const shared = new Set<string>();
  (env.identities ?? []).forEach((id, i) => {
    check(["identities", i, "name"], id.name, R.identityName);
    if (shared.has(id.name.toLowerCase())) out.push(`${at(["identities", i, "name"])}: identity ${JSON.stringify(id.name)} is listed twice`);
    shared.add(id.name.toLowerCase());
  });
  const used = new Set<string>();
  const teams = new Set<string>();
  const workloadLists: { where: Where; workloads: EnvironmentFile["workloads"] }[] = env.teams
    ? env.teams.map((t, i) => {
        check(["teams", i, "name"], t.name, stackPart);
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
      check([...here, "namespace"], w.namespace, R.workloadNamespace);
      check([...here, "serviceAccount"], w.serviceAccount, R.workloadServiceAccountName);
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
      check([...here, "identityName"], w.identityName, R.identityName);
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
        check(sw, s.name, R.keyVaultSecretName);
        // A new secret is written by one workload's stack; another workload (maybe in a stack
        // deployed first) can neither write it again nor read it as existing in the same deploy.
        const key = s.name.toLowerCase();
        const mine = s.existing ? existingSecrets : newSecrets;
        const created = newSecrets.get(key);
        if (created) out.push(`${at(sw)}: secret ${JSON.stringify(s.name)} is created by ${created}; give each workload its own new secret, or create it outside and list it as existing everywhere`);
        else if (!s.existing && existingSecrets.has(key)) out.push(`${at(sw)}: secret ${JSON.stringify(s.name)} is new here but listed as existing by ${existingSecrets.get(key)}`);
        if (!mine.has(key)) mine.set(key, pathText(here));
      });
      (w.pods ?? []).forEach((p, j) => {
        check([...here, "pods", j, "name"], p.name, R.dns1123Subdomain);
        check([...here, "pods", j, "image"], p.image, R.imageReference);
      });
      (w.deployments ?? []).forEach((d, j) => {
        check([...here, "deployments", j, "name"], d.name, R.dns1123Subdomain);
        check([...here, "deployments", j, "image"], d.image, R.imageReference);
      });
    });
  }
  (env.identities ?? []).forEach((id, i) => {
    if (!used.has(id.name.toLowerCase())) out.push(`${at(["identities", i, "name"])}: identity ${JSON.stringify(id.name)} is not used by any workload (remove it, or name it in a workload's sharedIdentity)`);
  });
  return out;
}
