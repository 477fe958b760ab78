/**
 * The schema half of `terraform validate`, offline: every resource, data source and ephemeral
 * resource of a cdktf synth output against the bundled provider schemas. What only the provider
 * binaries or the cloud can check (validation functions, API calls) is out of reach; see
 * docs/validate.md.
 */
import * as fs from "fs";
import * as path from "path";
import { BUILTIN_PROVIDER, bundledSchemas, normalizeSource, PROVISIONERS, SCHEMA_KEY, ValidateInputError } from "./schemas";
import type { ProviderSchemas, SchemaAttribute, SchemaBlock, SchemaBlockType, TypeKind } from "./schemas";
import { checkValue, stringKind } from "./values";

/** One finding: which stack, which resource, which attribute, what is wrong. */
export interface Finding {
  readonly severity: "error" | "warning";
  readonly stack: string;
  /** The Terraform address, e.g. `azurerm_key_vault.vault_1A2B3C4D` or `data.azurerm_client_config.current`. */
  readonly address: string;
  /** The attribute path inside the block, e.g. `spec.container[0].image`; empty for the block itself. */
  readonly path: string;
  readonly message: string;
  /** The construct path cdktf recorded for the block, when it did. */
  readonly constructPath?: string;
}

/** What the validator looked at and what it did not check. */
export interface ValidationResult {
  readonly stacks: readonly string[];
  readonly findings: readonly Finding[];
  /** What was seen but is not covered by the bundled schemas (provider configurations, modules). */
  readonly notChecked: readonly string[];
  /** Blocks checked against a schema, for the summary. */
  readonly checked: number;
}

export { ValidateInputError };

const TOP_LEVEL = new Set(["//", "terraform", "provider", "resource", "data", "ephemeral", "variable", "output", "locals", "module", "moved", "import", "removed", "check"]);

// Meta-arguments Terraform handles itself (hashicorp/terraform v1.11.4 internal/configs/resource.go:
// resourceBlockSchema, dataBlockSchema, ephemeralBlockSchema).
const META: Record<TypeKind, Set<string>> = {
  resource: new Set(["count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"]),
  data: new Set(["count", "for_each", "depends_on", "provider", "lifecycle"]),
  ephemeral: new Set(["count", "for_each", "depends_on", "provider", "lifecycle"]),
};
const LIFECYCLE: Record<TypeKind, Set<string>> = {
  resource: new Set(["create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by", "precondition", "postcondition"]),
  data: new Set(["precondition", "postcondition"]),
  ephemeral: new Set(["precondition", "postcondition"]),
};

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === "object" && !Array.isArray(v);

/** A schema entry by name, never one of Object.prototype's ("constructor", "__proto__" in the input are unknown names). */
const own = <T>(map: Record<string, T>, key: string): T | undefined => (Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined);

/** The closest name within an edit distance of 2, as Terraform's "Did you mean" suggestions. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

const didYouMean = (name: string, candidates: Iterable<string>) => {
  const s = suggest(name, candidates);
  return s ? ` (did you mean "${s}"?)` : "";
};

const join = (at: string, name: string) => (at ? `${at}.${name}` : name);

/** Collects the findings of one block (resource, data source) with its stack, address and construct path. */
class Reporter {
  constructor(
    private readonly out: Finding[],
    readonly stack: string,
    readonly address: string,
    readonly constructPath: string | undefined,
  ) {}

  error(at: string, message: string): void {
    this.add("error", at, message);
  }

  warning(at: string, message: string): void {
    this.add("warning", at, message);
  }

  add(severity: Finding["severity"], at: string, message: string): void {
    this.out.push({ severity, stack: this.stack, address: this.address, path: at, message, ...(this.constructPath ? { constructPath: this.constructPath } : {}) });
  }
}

/** The blocks a JSON property of a block type holds: null is none, an object one, an array one each. */
function blocksOf(value: unknown, at: string, name: string, r: Reporter): Array<{ body: unknown; at: string }> {
  if (value === null) return [];
  if (isObject(value)) return [{ body: value, at }];
  if (Array.isArray(value)) return value.map((body, i) => ({ body, at: `${at}[${i}]` }));
  const hint = typeof value === "string" && stringKind(value) !== "literal" ? `; to make "${name}" blocks from an expression, use a dynamic block` : "";
  r.error(at, `"${name}" is a block: Terraform's JSON syntax needs a JSON object (one block) or an array of objects, got ${typeof value}${hint}`);
  return [];
}

/**
 * Validates a block body against its schema: unknown names, required and computed-only
 * attributes, value types, nested blocks and their counts, dynamic blocks, deprecations.
 */
function checkBody(body: unknown, block: SchemaBlock, at: string, r: Reporter, skip: ReadonlySet<string> = new Set()): void {
  if (!isObject(body)) {
    r.error(at, `a block body must be a JSON object, got ${Array.isArray(body) ? "an array" : typeof body}`);
    return;
  }
  const attributes = block.attributes ?? {};
  const blockTypes = block.block_types ?? {};
  const dynamicCounts = new Map<string, number>();
  for (const [name, value] of Object.entries(body)) {
    if (name === "//" || skip.has(name)) continue;
    const attr = own(attributes, name);
    if (attr) {
      checkAttribute(name, value, attr, join(at, name), r);
    } else if (own(blockTypes, name)) {
      // Counted with the static ones below.
    } else if (name === "dynamic") {
      for (const [typeName, n] of checkDynamic(value, blockTypes, join(at, "dynamic"), r)) dynamicCounts.set(typeName, n);
    } else {
      const names = [...Object.keys(attributes), ...Object.keys(blockTypes)];
      r.error(join(at, name), `unknown argument or block "${name}": the schema has no such name here${didYouMean(name, names)}`);
    }
  }
  for (const [name, attr] of Object.entries(attributes)) {
    if (attr.required && (body[name] === undefined || body[name] === null)) {
      r.error(join(at, name), `missing required argument "${name}"`);
    }
  }
  for (const [name, bt] of Object.entries(blockTypes)) {
    const blocks = name in body && !skip.has(name) ? blocksOf(body[name], join(at, name), name, r) : [];
    checkBlockType(name, bt, blocks, dynamicCounts.get(name) ?? 0, join(at, name), r);
  }
}

function checkAttribute(name: string, value: unknown, attr: SchemaAttribute, at: string, r: Reporter): void {
  if (value === null) return;
  if (attr.computed && !attr.optional && !attr.required) {
    r.error(at, `"${name}" is computed by the provider and cannot be set in configuration: remove it (read it from the resource instead)`);
    return;
  }
  if (attr.deprecated) r.warning(at, `"${name}" is deprecated in this provider version: see the provider's documentation for its replacement`);
  if (attr.nested_type) {
    checkNested(value, attr.nested_type, at, r);
    return;
  }
  if (attr.type === undefined) {
    r.error(at, `the schema gives "${name}" neither a type nor nested attributes; the validator cannot check it`);
    return;
  }
  for (const p of checkValue(value, attr.type, at)) r.add(p.severity, p.path, p.message);
}

function checkNested(value: unknown, nested: NonNullable<SchemaAttribute["nested_type"]>, at: string, r: Reporter): void {
  if (typeof value === "string" && stringKind(value) === "interpolation") return;
  const asBlock: SchemaBlock = { attributes: nested.attributes };
  const one = (v: unknown, p: string) => {
    if (v === null) return;
    if (typeof v === "string" && stringKind(v) === "interpolation") return;
    if (!isObject(v)) {
      r.error(p, `inappropriate value: an object required, got ${Array.isArray(v) ? "an array" : typeof v}`);
      return;
    }
    checkBody(v, asBlock, p, r);
  };
  switch (nested.nesting_mode) {
    case "single":
      return one(value, at);
    case "list":
    case "set": {
      if (!Array.isArray(value)) {
        r.error(at, `inappropriate value: a ${nested.nesting_mode} of objects required, got ${isObject(value) ? "an object" : typeof value}`);
        return;
      }
      value.forEach((v, i) => one(v, `${at}[${i}]`));
      if (nested.min_items && value.length < nested.min_items) r.error(at, `at least ${nested.min_items} elements required, ${value.length} given`);
      if (nested.max_items && value.length > nested.max_items) r.error(at, `at most ${nested.max_items} elements allowed, ${value.length} given`);
      return;
    }
    case "map":
      if (!isObject(value)) {
        r.error(at, `inappropriate value: a map of objects required, got ${Array.isArray(value) ? "an array" : typeof value}`);
        return;
      }
      for (const [k, v] of Object.entries(value)) one(v, `${at}[${JSON.stringify(k)}]`);
      return;
    default:
      r.error(at, `nesting mode ${JSON.stringify((nested as { nesting_mode: unknown }).nesting_mode)} is not one the validator knows`);
  }
}

function checkBlockType(name: string, bt: SchemaBlockType, found: Array<{ body: unknown; at: string }>, dynamic: number, at: string, r: Reporter): void {
  let blocks = found;
  if (bt.nesting_mode === "map") {
    // A map block's JSON property holds objects keyed by the block label, each holding the body (or bodies).
    blocks = found.flatMap(({ body, at: p }) =>
      isObject(body) ? Object.entries(body).flatMap(([label, v]) => blocksOf(v, `${p}[${JSON.stringify(label)}]`, name, r)) : [],
    );
  }
  for (const b of blocks) checkBody(b.body, bt.block, b.at, r);
  if (blocks.length > 0 && bt.block.deprecated) r.warning(at, `block "${name}" is deprecated in this provider version: see the provider's documentation`);
  const n = blocks.length;
  switch (bt.nesting_mode) {
    case "single":
    case "group":
      if (n > 1) r.error(at, `duplicate "${name}" block: at most one is allowed, ${n} given`);
      else if (n === 0 && dynamic === 0 && bt.nesting_mode === "single" && (bt.min_items ?? 0) >= 1) r.error(at, `missing required block "${name}"`);
      return;
    case "list":
    case "set":
      if (bt.max_items && n > bt.max_items) r.error(at, `too many "${name}" blocks: at most ${bt.max_items} allowed, ${n} given`);
      // With a dynamic block of this type the count is unknown until plan.
      if (bt.min_items && n < bt.min_items && dynamic === 0) r.error(at, `insufficient "${name}" blocks: at least ${bt.min_items} required, ${n} given`);
      return;
    case "map":
      return;
    default:
      r.error(at, `nesting mode ${JSON.stringify(bt.nesting_mode)} of block "${name}" is not one the validator knows`);
  }
}

// A dynamic block in JSON: "dynamic": { "<block type>": { "for_each", "iterator", "labels", "content" } }
// (hashicorp/hcl ext/dynblock/schema.go: dynamicBlockBodySchemaLabels/NoLabels).
const DYNAMIC_KEYS = new Set(["for_each", "iterator", "labels", "content"]);

function checkDynamic(value: unknown, blockTypes: Record<string, SchemaBlockType>, at: string, r: Reporter): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { body: byType, at: p } of blocksOf(value, at, "dynamic", r)) {
    if (!isObject(byType)) {
      r.error(p, `a dynamic block needs a JSON object keyed by the block type`);
      continue;
    }
    for (const [typeName, v] of Object.entries(byType)) {
      const bt = own(blockTypes, typeName);
      const tp = `${p}.${typeName}`;
      if (!bt) {
        r.error(tp, `dynamic block of unknown block type "${typeName}"${didYouMean(typeName, Object.keys(blockTypes))}`);
        continue;
      }
      for (const { body, at: bp } of blocksOf(v, tp, typeName, r)) {
        if (!isObject(body)) {
          r.error(bp, `a dynamic block body must be a JSON object`);
          continue;
        }
        counts.set(typeName, (counts.get(typeName) ?? 0) + 1);
        for (const k of Object.keys(body)) {
          if (k !== "//" && !DYNAMIC_KEYS.has(k)) r.error(`${bp}.${k}`, `unknown argument "${k}" in a dynamic block (for_each, iterator, labels, content)`);
        }
        if (body.for_each === undefined || body.for_each === null) r.error(`${bp}.for_each`, `missing required argument "for_each" of the dynamic block`);
        if (body.content === undefined) r.error(`${bp}.content`, `missing required block "content" of the dynamic block`);
        else for (const c of blocksOf(body.content, `${bp}.content`, "content", r)) checkBody(c.body, bt.block, c.at, r);
      }
    }
  }
  return counts;
}

interface StackContext {
  readonly stack: string;
  readonly findings: Finding[];
  readonly notChecked: string[];
  readonly byProvider: Map<string, ProviderSchemas>;
  /** Local provider name → source address and version constraint from terraform.required_providers. */
  readonly required: Map<string, { source: string; version?: string }>;
  readonly versionChecked: Set<string>;
  /** The addresses the stack declares: type.name, data.type.name, ephemeral.type.name. */
  readonly declared: Set<string>;
  checked: number;
}

function requiredProviders(json: Record<string, any>): Map<string, { source: string; version?: string }> {
  const out = new Map<string, { source: string; version?: string }>();
  const terraform = Array.isArray(json.terraform) ? json.terraform : [json.terraform];
  for (const t of terraform) {
    for (const rp of blocksOf(t?.required_providers ?? null, "", "required_providers", new Reporter([], "", "", undefined))) {
      if (!isObject(rp.body)) continue;
      for (const [local, v] of Object.entries(rp.body)) {
        if (isObject(v)) out.set(local, { source: normalizeSource(typeof v.source === "string" ? v.source : local), ...(typeof v.version === "string" ? { version: v.version } : {}) });
        else if (typeof v === "string") out.set(local, { source: normalizeSource(local), version: v });
      }
    }
  }
  return out;
}

/** The provider local name a block uses: its `provider` meta-argument, or the type's prefix. */
function localProviderName(type: string, body: Record<string, any>): string {
  if (typeof body.provider === "string") return body.provider.replace(/^\$\{(.*)\}$/, "$1").split(".")[0];
  return type.split("_")[0];
}

function schemaFor(ctx: StackContext, kind: TypeKind, type: string, body: Record<string, any>, r: Reporter) {
  const local = localProviderName(type, body);
  const req = ctx.required.get(local);
  const source = req?.source ?? normalizeSource(local);
  const provider = ctx.byProvider.get(source);
  const label = kind === "resource" ? "resource type" : kind === "data" ? "data source type" : "ephemeral resource type";
  if (!provider) {
    const bundled = [...ctx.byProvider.values()].filter((p) => p.provider !== BUILTIN_PROVIDER).map((p) => `${p.provider.split("/").pop()} ${p.version}`);
    r.error("", `${label} "${type}" of provider ${source} is not checked: no schema of that provider is bundled (bundled: ${bundled.join(", ")})`);
    return undefined;
  }
  if (req?.version !== undefined && provider.provider !== BUILTIN_PROVIDER && !ctx.versionChecked.has(local)) {
    ctx.versionChecked.add(local);
    const exact = /^=?\s*v?(\d+\.\d+\.\d+)$/.exec(req.version.trim())?.[1];
    const where = new Reporter(ctx.findings, ctx.stack, `terraform.required_providers.${local}`, undefined);
    if (exact === undefined) {
      where.warning("version", `version constraint "${req.version}" is not one exact version: validated against the bundled schema of ${provider.version}`);
    } else if (exact !== provider.version) {
      where.error("version", `the stack pins ${local} ${exact} but the bundled schema is of ${provider.version}: findings may be wrong; use the azwi-validate of the library version that pins ${exact}`);
    }
  }
  const schema = own(provider[SCHEMA_KEY[kind]], type);
  if (!schema) {
    const name = provider.provider.split("/").pop();
    r.error("", `${label} "${type}" does not exist in ${name} ${provider.version}${didYouMean(type, Object.keys(provider[SCHEMA_KEY[kind]]))}`);
    return undefined;
  }
  return schema;
}

/** Validates one resource, data source or ephemeral resource block. */
function checkTypedBlock(ctx: StackContext, kind: TypeKind, type: string, name: string, body: unknown, at: string): void {
  const address = kind === "resource" ? `${type}.${name}` : `${kind}.${type}.${name}`;
  const constructPath = isObject(body) && typeof body["//"]?.metadata?.path === "string" ? body["//"].metadata.path : undefined;
  const r = new Reporter(ctx.findings, ctx.stack, address, constructPath);
  if (!isObject(body)) {
    r.error("", `${at} must be a JSON object (the block body), got ${Array.isArray(body) ? "an array" : typeof body}`);
    return;
  }
  if (body.provider !== undefined && (typeof body.provider !== "string" || !PROVIDER_REFERENCE.test(body.provider.replace(/^\$\{(.*)\}$/, "$1")))) {
    r.error("provider", `"provider" must name a provider configuration, e.g. "azurerm" or "azurerm.alias", got ${JSON.stringify(body.provider)}`);
    return;
  }
  const schema = schemaFor(ctx, kind, type, body, r);
  if (!schema) return;
  ctx.checked++;
  if (schema.block.deprecated) r.warning("", `${kind === "resource" ? "resource" : kind === "data" ? "data source" : "ephemeral resource"} type "${type}" is deprecated in this provider version: see the provider's documentation`);
  checkMeta(ctx, kind, body, schema.block, r);
  checkBody(body, schema.block, "", r, META[kind]);
}

// A reference in depends_on / replace_triggered_by / the provider meta-argument, as a bare traversal.
const REFERENCE = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\[[^\]]*\])*$/;
const PROVIDER_REFERENCE = /^[A-Za-z][\w-]*(\.[A-Za-z_][\w-]*)?$/;

function checkMeta(ctx: StackContext, kind: TypeKind, body: Record<string, any>, block: SchemaBlock, r: Reporter): void {
  if (body.count !== undefined && body.for_each !== undefined) r.error("count", `"count" and "for_each" cannot both be set: use one`);
  if (body.count !== undefined) for (const p of checkValue(body.count, "number", "count")) r.add(p.severity, p.path, p.message);
  if (body.for_each !== undefined && body.for_each !== null) {
    const v = body.for_each;
    if (Array.isArray(v)) r.error("for_each", `"for_each" needs a map or a set of strings, got a JSON array (a tuple): write "\${toset([...])}"`);
    else if (!isObject(v) && !(typeof v === "string" && stringKind(v) === "interpolation")) r.error("for_each", `"for_each" needs a map or a set of strings, got ${typeof v}`);
  }
  if (body.depends_on !== undefined) {
    if (!Array.isArray(body.depends_on)) r.error("depends_on", `"depends_on" must be a JSON array of references`);
    else
      body.depends_on.forEach((ref: unknown, i: number) => {
        const p = `depends_on[${i}]`;
        if (typeof ref !== "string" || !REFERENCE.test(ref)) r.error(p, `${JSON.stringify(ref)} is not a reference: write the address bare, e.g. "azurerm_resource_group.main"`);
        else if (!declared(ctx, ref)) r.error(p, `reference to undeclared ${ref.split(".")[0] === "data" ? "data source" : "resource"} "${ref}" in this stack`);
      });
  }
  if (body.lifecycle !== undefined) {
    for (const { body: lc, at } of blocksOf(body.lifecycle, "lifecycle", "lifecycle", r)) checkLifecycle(kind, lc, at, block, r);
  }
  if (kind === "resource") {
    for (const { body: p, at } of body.provisioner === undefined ? [] : blocksOf(body.provisioner, "provisioner", "provisioner", r)) {
      if (!isObject(p)) continue;
      for (const [type, v] of Object.entries(p)) for (const b of blocksOf(v, `${at}.${type}`, "provisioner", r)) checkProvisioner(type, b.body, b.at, r);
    }
    if (body.connection !== undefined) r.warning("connection", `the connection block is not checked: its arguments depend on the communicator, no schema is bundled`);
  }
}

// A provisioner block's own meta-arguments (hashicorp/terraform v1.11.4 internal/configs/provisioner.go:
// provisionerBlockSchema, decodeProvisionerBlock).
const PROVISIONER_META = new Set(["when", "on_failure", "connection"]);

function checkProvisioner(type: string, body: unknown, at: string, r: Reporter): void {
  const schema = own(PROVISIONERS, type);
  if (!schema) {
    r.error(at, `unknown provisioner type "${type}": Terraform has local-exec, remote-exec and file${didYouMean(type, Object.keys(PROVISIONERS))}`);
    return;
  }
  if (!isObject(body)) {
    r.error(at, `a provisioner body must be a JSON object`);
    return;
  }
  if (body.when !== undefined && !["create", "destroy"].includes(body.when)) r.error(`${at}.when`, `"when" must be create or destroy, got ${JSON.stringify(body.when)}`);
  if (body.on_failure !== undefined && !["continue", "fail"].includes(body.on_failure)) r.error(`${at}.on_failure`, `"on_failure" must be continue or fail, got ${JSON.stringify(body.on_failure)}`);
  if (body.connection !== undefined) r.warning(`${at}.connection`, `the connection block is not checked: its arguments depend on the communicator, no schema is bundled`);
  checkBody(body, schema, at, r, PROVISIONER_META);
}

/** Whether `ref` names a resource or data source declared in the stack (other references are not judged). */
function declared(ctx: StackContext, ref: string): boolean {
  const parts = ref.replace(/\[[^\]]*\]/g, "").split(".");
  if (parts[0] === "data" || parts[0] === "ephemeral") return ctx.declared.has(parts.slice(0, 3).join("."));
  if (["module", "var", "local", "count", "each", "path", "terraform", "self"].includes(parts[0]) || parts.length < 2) return true;
  return ctx.declared.has(parts.slice(0, 2).join("."));
}

function checkLifecycle(kind: TypeKind, lc: unknown, at: string, block: SchemaBlock, r: Reporter): void {
  if (!isObject(lc)) {
    r.error(at, `the lifecycle block must be a JSON object`);
    return;
  }
  for (const [k, v] of Object.entries(lc)) {
    const p = `${at}.${k}`;
    if (k === "//") continue;
    if (!LIFECYCLE[kind].has(k)) {
      r.error(p, `unknown lifecycle argument "${k}" for a ${kind === "resource" ? "resource" : kind === "data" ? "data source" : "ephemeral resource"}${didYouMean(k, LIFECYCLE[kind])}`);
    } else if (k === "create_before_destroy" || k === "prevent_destroy") {
      // Terraform needs a literal here (no references), a bool or a string it converts.
      for (const e of checkValue(v, "bool", p)) r.add(e.severity, e.path, e.message);
    } else if (k === "ignore_changes") {
      if (v === "all") continue;
      if (!Array.isArray(v)) r.error(p, `"ignore_changes" must be "all" or a JSON array of attribute paths`);
      else v.forEach((path: unknown, i: number) => checkIgnorePath(path, `${p}[${i}]`, block, r));
    } else if (k === "replace_triggered_by") {
      if (!Array.isArray(v)) r.error(p, `"replace_triggered_by" must be a JSON array of references`);
      else v.forEach((ref: unknown, i: number) => typeof ref === "string" || r.error(`${p}[${i}]`, `must be a reference string`));
    } else {
      for (const c of blocksOf(v, p, k, r)) {
        if (!isObject(c.body)) continue;
        for (const need of ["condition", "error_message"]) if (c.body[need] === undefined) r.error(`${c.at}.${need}`, `missing required argument "${need}" of ${k}`);
        for (const extra of Object.keys(c.body)) if (!["condition", "error_message", "//"].includes(extra)) r.error(`${c.at}.${extra}`, `unknown argument "${extra}" in ${k}`);
      }
    }
  }
}

// ignore_changes entries are attribute paths relative to the resource, checked against the schema
// (hashicorp/terraform v1.11.4 internal/terraform/node_resource_validate.go: StaticValidateTraversal,
// and a warning for a computed-only attribute, "Redundant ignore_changes element").
function checkIgnorePath(value: unknown, at: string, block: SchemaBlock, r: Reporter): void {
  if (typeof value !== "string") {
    r.error(at, `an ignore_changes entry must be an attribute path string, got ${typeof value}`);
    return;
  }
  const steps = value.replace(/^\$\{(.*)\}$/, "$1").match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let current: SchemaBlock | undefined = block;
  for (const step of steps) {
    if (step.startsWith("[")) continue;
    if (!current) return; // Inside an attribute value: keys are not in the schema.
    const attr: SchemaAttribute | undefined = own(current.attributes ?? {}, step);
    const bt: SchemaBlockType | undefined = own(current.block_types ?? {}, step);
    if (attr) {
      if (current === block && attr.computed && !attr.optional && !attr.required) {
        r.warning(at, `ignore_changes lists "${step}", which the provider alone decides: it has no effect, remove it`);
      }
      current = attr.nested_type ? { attributes: attr.nested_type.attributes } : undefined;
    } else if (bt) {
      current = bt.block;
    } else {
      const names = [...Object.keys(current.attributes ?? {}), ...Object.keys(current.block_types ?? {})];
      r.error(at, `ignore_changes names "${value}", but the schema has no "${step}" there${didYouMean(step, names)}`);
      return;
    }
  }
}

/** The [label, value] pairs of a labelled level: an object, an array of objects, or null (none). */
function labelled(value: unknown, address: string, what: string, stack: string, findings: Finding[]): Array<[string, unknown]> {
  if (value === null) return [];
  if (isObject(value)) return Object.entries(value);
  if (Array.isArray(value) && value.every(isObject)) return value.flatMap((v) => Object.entries(v));
  new Reporter(findings, stack, address, undefined).error("", `${what} must be a JSON object keyed by label (or an array of such objects)`);
  return [];
}

/**
 * Validates one stack's Terraform JSON (cdk.tf.json) against the schemas.
 *
 * @param stack - the stack name, for messages
 * @param json - the parsed cdk.tf.json
 * @param schemas - the provider schemas; the bundled ones by default
 */
export function validateStack(stack: string, json: unknown, schemas: readonly ProviderSchemas[] = bundledSchemas()): ValidationResult {
  if (!isObject(json)) throw new ValidateInputError(`stack ${stack}: the Terraform JSON is not an object`);
  const ctx: StackContext = {
    stack,
    findings: [],
    notChecked: [],
    byProvider: new Map(schemas.map((s) => [s.provider, s])),
    required: requiredProviders(json),
    versionChecked: new Set(),
    declared: new Set(),
    checked: 0,
  };
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL.has(key)) new Reporter(ctx.findings, stack, key, undefined).error("", `unknown top-level block type "${key}"${didYouMean(key, TOP_LEVEL)}`);
  }
  // Every address first: depends_on may name a block declared after it.
  const blocks: Array<{ kind: TypeKind; type: string; name: string; bodies: unknown[] }> = [];
  for (const kind of ["resource", "data", "ephemeral"] as const) {
    if (json[kind] === undefined) continue;
    const prefix = kind === "resource" ? "" : `${kind}.`;
    // Block labels in Terraform's JSON syntax: an object keyed by label, or an array of such objects
    // (hashicorp/hcl json/structure.go, collectDeepAttrs).
    const byAddress = new Map<string, { kind: TypeKind; type: string; name: string; bodies: unknown[] }>();
    for (const [type, byName] of labelled(json[kind], kind, `"${kind}"`, stack, ctx.findings)) {
      for (const [name, body] of labelled(byName, `${prefix}${type}`, `${prefix}${type}`, stack, ctx.findings)) {
        const address = `${prefix}${type}.${name}`;
        const entry = byAddress.get(address) ?? { kind, type, name, bodies: [] };
        entry.bodies.push(...(Array.isArray(body) ? body : [body]));
        byAddress.set(address, entry);
        ctx.declared.add(address);
      }
    }
    blocks.push(...byAddress.values());
  }
  for (const { kind, type, name, bodies } of blocks) {
    const address = `${kind === "resource" ? "" : `${kind}.`}${type}.${name}`;
    if (bodies.length > 1) new Reporter(ctx.findings, stack, address, undefined).error("", `declared ${bodies.length} times: an address must be unique`);
    for (const b of bodies) checkTypedBlock(ctx, kind, type, name, b, `${kind}.${type}.${name}`);
  }
  for (const [name, body] of isObject(json.check) ? Object.entries(json.check) : []) {
    for (const c of Array.isArray(body) ? body : [body]) {
      for (const [type, byName] of isObject(c?.data) ? Object.entries<any>(c.data) : []) {
        for (const [n, b] of isObject(byName) ? Object.entries(byName) : []) checkTypedBlock(ctx, "data", type, n, b, `check.${name}.data.${type}.${n}`);
      }
    }
  }
  const providers = isObject(json.provider) ? Object.keys(json.provider) : [];
  if (providers.length > 0) ctx.notChecked.push(`${stack}: provider configuration (${providers.join(", ")}): the bundled schemas hold resource and data source types only`);
  for (const m of isObject(json.module) ? Object.keys(json.module) : []) ctx.notChecked.push(`${stack}: module.${m}: a module's arguments are its source's variables, not in any provider schema`);
  return { stacks: [stack], findings: ctx.findings, notChecked: ctx.notChecked, checked: ctx.checked };
}

/**
 * Validates every stack of a cdktf synth output directory (manifest.json and the stacks it lists).
 *
 * @param dir - e.g. cdktf.out
 * @param schemas - the provider schemas; the bundled ones by default
 * @throws ValidateInputError when the directory is not a readable synth output
 */
export function validateSynthOutput(dir: string, schemas: readonly ProviderSchemas[] = bundledSchemas()): ValidationResult {
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) throw new ValidateInputError(`${dir}: no manifest.json here – pass a cdktf synth output directory (e.g. cdktf.out)`);
  let manifest: any;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new ValidateInputError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(manifest) || !isObject(manifest.stacks)) throw new ValidateInputError(`${manifestPath}: has no "stacks" object – is it a cdktf manifest?`);
  const names = Object.keys(manifest.stacks);
  if (names.length === 0) throw new ValidateInputError(`${manifestPath}: lists no stacks`);
  const root = path.resolve(dir);
  const findings: Finding[] = [];
  const notChecked: string[] = [];
  let checked = 0;
  for (const name of names) {
    const entry = manifest.stacks[name];
    const rel = isObject(entry) ? (entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json")) : undefined;
    if (typeof rel !== "string") throw new ValidateInputError(`${manifestPath}: stacks.${name}.synthesizedStackPath is not a string`);
    const file = path.join(dir, rel);
    if (!path.resolve(file).startsWith(root + path.sep)) throw new ValidateInputError(`${manifestPath}: stacks.${name}.synthesizedStackPath points outside ${dir}`);
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new ValidateInputError(`${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "listed in manifest.json but missing" : `not valid JSON (${(e as Error).message})`}`);
    }
    const result = validateStack(name, json, schemas);
    findings.push(...result.findings);
    notChecked.push(...result.notChecked);
    checked += result.checked;
  }
  return { stacks: names, findings, notChecked, checked };
}

/** One finding as a line: `error: STACK ADDRESS PATH: MESSAGE (construct PATH)`. */
export function formatFinding(f: Finding): string {
  const where = `${f.stack}: ${f.address}${f.path ? ` ${f.path}` : ""}`;
  return `${f.severity}: ${where}: ${f.message}${f.constructPath ? ` [${f.constructPath}]` : ""}`;
}
