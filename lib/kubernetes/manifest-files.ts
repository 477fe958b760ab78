/**
 * The files of GitOps manifests, shared by the synth (templates) and the manifests CLI (filled
 * manifests): where an object's file goes, YAML that reads the same to YAML 1.1 and 1.2 readers,
 * the ownership record that says which files a directory's writer may replace or remove, and the
 * placeholders.
 */
import * as fs from "fs";
import * as path from "path";

/** `{{tf-output:NAME}}`: a value known only after apply, filled by the manifests CLI. */
export const PLACEHOLDER = /\{\{tf-output:([A-Za-z0-9_]+)\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{tf-output:([A-Za-z0-9_]+)\}\}$/;

/** Extension of the templates in the synth output; no GitOps tool or `kubectl apply -R` reads it. */
export const TEMPLATE_EXTENSION = ".yaml.tmpl";

/**
 * The ownership record in every directory this library writes manifests to: a JSON file listing the
 * files it wrote there, so a later run replaces or removes those files and nothing else.
 */
export const OWNERSHIP_FILE = ".azwi-manifests.json";
/** The record of earlier versions (a text file marking the whole directory). */
export const LEGACY_OWNERSHIP_FILE = ".azwi-manifests";

/**
 * The order in which `kubectl apply -R` and GitOps tools that read a directory tree must meet the
 * objects: namespaces, then service accounts, then what pods mount, then the pods' own objects.
 * `kubectl` walks a directory in lexical order (cli-runtime `FileVisitor` over `filepath.Walk`), so
 * each kind lives under `<NN>-<kind>/` and the number sets the order. A kind not listed here goes
 * after the configuration kinds and before the workloads.
 */
const KIND_ORDER: Record<string, number> = {
  Namespace: 0,
  CustomResourceDefinition: 1,
  ServiceAccount: 10,
  ClusterRole: 20,
  ClusterRoleBinding: 21,
  Role: 22,
  RoleBinding: 23,
  ConfigMap: 30,
  Secret: 31,
  SecretProviderClass: 32,
  Service: 40,
  Pod: 60,
  Deployment: 61,
  StatefulSet: 62,
  DaemonSet: 63,
  Job: 64,
  CronJob: 65,
};
const UNLISTED_KIND_ORDER = 50;

/**
 * The file (relative to its manifests directory) of an object of `kind` named `name` in `namespace`:
 * `<NN>-<kind>/<namespace>/<name><extension>`, or `<NN>-<kind>/<name><extension>` when cluster-scoped.
 */
export function manifestFile(kind: string, name: string, namespace: string | undefined, extension: string): string {
  const order = String(KIND_ORDER[kind] ?? UNLISTED_KIND_ORDER).padStart(2, "0");
  return [`${order}-${kind.toLowerCase()}`, ...(namespace === undefined ? [] : [namespace]), `${name}${extension}`].join("/");
}

// ---- YAML that means the same to YAML 1.1 and 1.2 readers -------------------------------------------

const VERSIONS = ["1.1", "1.2"] as const;

/** True when `s`, written plain as a value, reads back as the same string under YAML 1.1 and 1.2. */
function plainValueIsString(s: string): boolean {
  const YAML = require("yaml") as typeof import("yaml");
  return VERSIONS.every((version) => {
    try {
      return YAML.parse(s, { version, logLevel: "error" }) === s;
    } catch {
      return false;
    }
  });
}

/** True when `s`, written plain as a map key, reads back as the same string key under YAML 1.1 and 1.2. */
function plainKeyIsString(s: string): boolean {
  const YAML = require("yaml") as typeof import("yaml");
  return VERSIONS.every((version) => {
    try {
      const m = YAML.parse(`${s}: 0`, { version, logLevel: "error" });
      return m !== null && typeof m === "object" && !Array.isArray(m) && Object.keys(m).length === 1 && Object.prototype.hasOwnProperty.call(m, s) && m[s] === 0;
    } catch {
      return false;
    }
  });
}

/**
 * Multi-document YAML for `objects` that YAML 1.1 readers (kubectl's sigs.k8s.io/yaml, Argo CD)
 * and YAML 1.2 readers read alike: every string that a 1.1 or 1.2 reader would take as something
 * else written plain (`on`, `yes`, `n`, `1_000`, `0o17`, a `<<` key …) is quoted. The text is read
 * back under both versions before it is returned.
 *
 * @throws Error when a document would not read back as written (a value YAML cannot hold).
 */
export function renderYaml(objects: readonly unknown[]): string {
  const YAML = require("yaml") as typeof import("yaml");
  return objects
    .map((object) => {
      // Built as 1.2 (core schema): its stringifier honours a quoted `<<` key, the 1.1 one does not.
      const doc = new YAML.Document(object, { version: "1.2" });
      YAML.visit(doc, {
        Pair(_, pair) {
          const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
          if (typeof key === "string" && !plainKeyIsString(key)) {
            const quoted = new YAML.Scalar(key);
            quoted.type = "QUOTE_DOUBLE";
            pair.key = quoted;
          }
        },
        Scalar(key, node) {
          if (key !== "key" && typeof node.value === "string" && !plainValueIsString(node.value)) node.type = "QUOTE_DOUBLE";
        },
      });
      const text = doc.toString({ lineWidth: 0 });
      const expected = JSON.stringify(object);
      for (const version of VERSIONS) {
        if (JSON.stringify(YAML.parse(text, { version })) !== expected) {
          throw new Error(`a manifest would read differently to a YAML ${version} reader:\n${text}`);
        }
      }
      return text;
    })
    .join("---\n");
}

// ---- Ownership -------------------------------------------------------------------------------------

/** What a directory's ownership record says. */
export interface Ownership {
  /** The files (relative, `/`-separated) the last run wrote. */
  readonly files: readonly string[];
}

/**
 * The ownership record of `dir`, or `undefined` when the directory holds none. A legacy record
 * (which marked the whole directory) owns the `.yaml` files below it.
 *
 * @throws Error when the record is not the JSON this library writes.
 */
export function readOwnership(dir: string): Ownership | undefined {
  const record = path.join(dir, OWNERSHIP_FILE);
  if (isFile(record)) {
    let parsed: any;
    try {
      parsed = JSON.parse(fs.readFileSync(record, "utf8"));
    } catch (e) {
      throw new Error(`${record}: not valid JSON (${(e as Error).message}); remove it if this directory is not written by cdktf synth or azwi-manifests`);
    }
    if (!parsed || !Array.isArray(parsed.files) || !parsed.files.every((f: unknown) => typeof f === "string" && isOwnedPath(f))) {
      throw new Error(`${record}: "files" must list relative paths inside the directory`);
    }
    return { files: parsed.files };
  }
  if (isFile(path.join(dir, LEGACY_OWNERSHIP_FILE))) {
    return { files: listFiles(dir, (f) => f.endsWith(".yaml")).map((f) => f.split(path.sep).join("/")) };
  }
  return undefined;
}

/** Writes the ownership record of `dir`. */
export function writeOwnership(dir: string, files: readonly string[], writer: string): void {
  const record = { writtenBy: writer, note: "Files this tool wrote here; it replaces or removes these and nothing else.", files: [...files].sort() };
  fs.writeFileSync(path.join(dir, OWNERSHIP_FILE), JSON.stringify(record, null, 2) + "\n");
  fs.rmSync(path.join(dir, LEGACY_OWNERSHIP_FILE), { force: true });
}

/**
 * Removes the files `ownership` lists from `dir` (regular files only, never through a symbolic
 * link), the record itself, and the directories this leaves empty (never `dir`'s parents).
 */
export function removeOwned(dir: string, ownership: Ownership, keep: ReadonlySet<string> = new Set()): void {
  for (const file of ownership.files) {
    if (keep.has(file)) continue;
    const target = path.join(dir, ...file.split("/"));
    if (isFile(target)) fs.rmSync(target);
  }
  if (keep.size === 0) {
    fs.rmSync(path.join(dir, OWNERSHIP_FILE), { force: true });
    fs.rmSync(path.join(dir, LEGACY_OWNERSHIP_FILE), { force: true });
  }
  removeEmptyDirectories(dir, keep.size === 0);
}

function removeEmptyDirectories(dir: string, includingSelf: boolean): void {
  if (!isDirectory(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) removeEmptyDirectories(path.join(dir, e.name), true);
  }
  if (includingSelf && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

/** A relative path an ownership record may list: `/`-separated names, none empty, `.` or `..`. */
function isOwnedPath(file: string): boolean {
  return file.split("/").every((part) => part !== "" && part !== "." && part !== ".." && !part.includes("\\"));
}

/** True for a regular file that is not a symbolic link. */
export function isFile(p: string): boolean {
  try {
    return fs.lstatSync(p).isFile();
  } catch {
    return false;
  }
}

/** True for a directory that is not a symbolic link. */
export function isDirectory(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Regular files below `dir` whose relative path passes `accept`, never following symbolic links. */
export function listFiles(dir: string, accept: (relative: string) => boolean, skipDirectory: (name: string) => boolean = () => false): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && !skipDirectory(e.name)) walk(p);
      else if (e.isFile() && accept(path.relative(dir, p))) found.push(path.relative(dir, p));
    }
  };
  if (isDirectory(dir)) walk(dir);
  return found;
}

/**
 * `relative` joined to `base`, refused when it leaves `base` or when a part of the path that already
 * exists is a symbolic link (a link would redirect the writes and removals elsewhere).
 *
 * @throws Error naming the path and the reason.
 */
export function containedPath(base: string, relative: string, what: string): string {
  const target = path.resolve(base, relative);
  const rel = path.relative(path.resolve(base), target);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new Error(`${what} ${JSON.stringify(relative)} resolves to ${target}, which is not inside ${path.resolve(base)}`);
  }
  let cur = path.resolve(base);
  for (const part of rel.split(path.sep)) {
    cur = path.join(cur, part);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(cur);
    } catch {
      break;
    }
    if (stat.isSymbolicLink()) throw new Error(`${what} ${JSON.stringify(relative)}: ${cur} is a symbolic link; refusing to write through it`);
  }
  return target;
}

// ---- Placeholders ----------------------------------------------------------------------------------

/**
 * Replaces every placeholder in the objects of a template. `lookup` returns the output's value, or
 * `undefined` when it has none; a placeholder in a map key is never filled (the synth writes none).
 */
export function fillObjects(objects: readonly unknown[], lookup: (name: string) => string | undefined): { objects: unknown[]; missing: string[] } {
  const missing = new Set<string>();
  const fill = (v: any): any => {
    if (typeof v === "string") {
      const whole = WHOLE_PLACEHOLDER.exec(v);
      if (whole) {
        const value = lookup(whole[1]);
        if (value === undefined) missing.add(whole[1]);
        return value ?? v;
      }
      return v.replace(PLACEHOLDER, (m, n) => {
        const value = lookup(n);
        if (value === undefined) missing.add(n);
        return value ?? m;
      });
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return { objects: objects.map(fill), missing: [...missing] };
}

/** The names of the placeholders in `value` (keys included). */
export function placeholdersIn(value: unknown): string[] {
  return [...new Set([...JSON.stringify(value ?? null).matchAll(PLACEHOLDER)].map((m) => m[1]))];
}
