/**
 * The provider schemas the validator checks against: the bundled files in schemas/providers (the
 * output of `terraform providers schema -json` for each pinned provider version, stripped to what
 * validation reads; scripts/provider-schemas.js writes them) and Terraform's built-in provider.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

/** A cty type in its JSON form: "string", ["list", "string"], ["object", {…}, ["optional", …]]. */
export type CtyType = string | [string, ...unknown[]];

export interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: NestedType;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly deprecated?: boolean;
}

export interface NestedType {
  readonly attributes: Record<string, SchemaAttribute>;
  readonly nesting_mode: "single" | "list" | "set" | "map";
  readonly min_items?: number;
  readonly max_items?: number;
}

export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, SchemaBlockType>;
  readonly deprecated?: boolean;
}

export interface SchemaBlockType {
  readonly nesting_mode: "single" | "group" | "list" | "set" | "map";
  readonly block: SchemaBlock;
  readonly min_items?: number;
  readonly max_items?: number;
}

export interface TypeSchema {
  readonly block: SchemaBlock;
}

/** One provider version's schemas, as bundled. */
export interface ProviderSchemas {
  readonly format: number;
  /** The provider's source address, e.g. registry.terraform.io/hashicorp/azurerm. */
  readonly provider: string;
  readonly version: string;
  /** Where the schema was read: repository, tag and commit. */
  readonly source: { readonly repository: string; readonly tag: string; readonly commit?: string };
  /** Why the schema of another tag stands for this version, when it does. */
  readonly note?: string;
  readonly resource_schemas: Record<string, TypeSchema>;
  readonly data_source_schemas: Record<string, TypeSchema>;
  readonly ephemeral_resource_schemas: Record<string, TypeSchema>;
}

/** The kinds of top-level block that name a provider type. */
export type TypeKind = "resource" | "data" | "ephemeral";

export const SCHEMA_KEY: Record<TypeKind, "resource_schemas" | "data_source_schemas" | "ephemeral_resource_schemas"> = {
  resource: "resource_schemas",
  data: "data_source_schemas",
  ephemeral: "ephemeral_resource_schemas",
};

export const BUILTIN_PROVIDER = "terraform.io/builtin/terraform";

// Terraform's built-in provider, which Terraform itself serves (no download): terraform_remote_state
// (cdktf's cross-stack references) and terraform_data. Schemas as in hashicorp/terraform v1.11.4,
// internal/builtin/providers/terraform/data_source_state.go (dataSourceRemoteStateGetSchema) and
// resource_data.go (dataStoreResourceSchema).
const BUILTIN: ProviderSchemas = {
  format: 1,
  provider: BUILTIN_PROVIDER,
  version: "built in",
  source: { repository: "https://github.com/hashicorp/terraform", tag: "v1.11.4" },
  resource_schemas: {
    terraform_data: {
      block: {
        attributes: {
          id: { type: "string", computed: true },
          input: { type: "dynamic", optional: true },
          output: { type: "dynamic", computed: true },
          triggers_replace: { type: "dynamic", optional: true },
        },
      },
    },
  },
  data_source_schemas: {
    terraform_remote_state: {
      block: {
        attributes: {
          backend: { type: "string", required: true },
          config: { type: "dynamic", optional: true },
          defaults: { type: "dynamic", optional: true },
          outputs: { type: "dynamic", computed: true },
          workspace: { type: "string", optional: true },
        },
      },
    },
  },
  ephemeral_resource_schemas: {},
};

// Terraform's built-in provisioners: hashicorp/terraform v1.11.4,
// internal/builtin/provisioners/{local-exec,remote-exec,file}/resource_provisioner.go (GetSchema).
export const PROVISIONERS: Record<string, SchemaBlock> = {
  "local-exec": {
    attributes: {
      command: { type: "string", required: true },
      interpreter: { type: ["list", "string"], optional: true },
      working_dir: { type: "string", optional: true },
      environment: { type: ["map", "string"], optional: true },
      quiet: { type: "bool", optional: true },
    },
  },
  "remote-exec": {
    attributes: {
      inline: { type: ["list", "string"], optional: true },
      script: { type: "string", optional: true },
      scripts: { type: ["list", "string"], optional: true },
    },
  },
  file: {
    attributes: {
      source: { type: "string", optional: true },
      content: { type: "string", optional: true },
      destination: { type: "string", required: true },
    },
  },
};

/** Input the validator cannot read: not a synth output, unreadable JSON, no bundled schemas. The CLI exits 2. */
export class ValidateInputError extends Error {}

/**
 * The folder of the bundled schema files: schemas/providers at the package root, found upwards from
 * the compiled file (dist/tools/validate in the package, lib/tools/validate under ts-jest).
 */
export function bundledDir(from: string = __dirname): string {
  for (let dir = from, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, "schemas", "providers");
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new ValidateInputError(`no bundled provider schemas (schemas/providers) above ${from}: the package is incomplete, reinstall it`);
}

const cache = new Map<string, ProviderSchemas[]>();

/**
 * Every bundled provider schema, parsed once per process and folder.
 *
 * @param dir - the folder of `<name>-<version>.json.gz` files
 * @returns the schemas, Terraform's built-in provider first
 */
export function bundledSchemas(dir: string = bundledDir()): readonly ProviderSchemas[] {
  const cached = cache.get(dir);
  if (cached) return cached;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json.gz"))
    .sort();
  const loaded = [BUILTIN, ...files.map((f) => readSchemaFile(path.join(dir, f)))];
  cache.set(dir, loaded);
  return loaded;
}

/** Reads one bundled file; fails loudly on a file the validator does not understand. */
export function readSchemaFile(file: string): ProviderSchemas {
  const parsed = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8")) as ProviderSchemas;
  if (parsed.format !== 1 || typeof parsed.provider !== "string" || typeof parsed.version !== "string" || !parsed.resource_schemas) {
    throw new Error(`${file}: not a bundled provider schema of format 1 (regenerate it with scripts/provider-schemas.js)`);
  }
  return parsed;
}

/**
 * The source address Terraform gives a provider: `azurerm` and `hashicorp/azurerm` become
 * registry.terraform.io/hashicorp/azurerm; the built-in `terraform` provider is terraform.io/builtin/terraform.
 *
 * @param source - the `source` of a required_providers entry, or a local name without one
 */
export function normalizeSource(source: string): string {
  const parts = source.toLowerCase().split("/");
  if (parts.length === 1) return parts[0] === "terraform" ? BUILTIN_PROVIDER : `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return parts.join("/");
}
