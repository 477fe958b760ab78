/**
 * The offline validator (azwi-validate): each kind of schema error planted in the default app's
 * synth output is reported with its stack, address and attribute path; the bundled schemas match
 * the pinned provider packages; the CLI's exit codes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AZAPI_PROVIDER_VERSION } from "../lib/azure/azapi";
import { main } from "../lib/tools/validate/cli";
import { bundledSchemas, readSchemaFile } from "../lib/tools/validate/schemas";
import type { ProviderSchemas } from "../lib/tools/validate/schemas";
import { formatFinding, validateStack } from "../lib/tools/validate/validate";
import type { Finding } from "../lib/tools/validate/validate";
import { stringKind } from "../lib/tools/validate/values";
import { only, synthApp } from "./support/helpers";
import { expectValidStack } from "./support/schema-validation";

const root = path.join(__dirname, "..");
let app: { outdir: string; stacks: Record<string, any> };

beforeAll(() => {
  app = synthApp();
});

/** The findings of `stack` after `plant` changed a copy of it. */
function plant(stack: "platform" | "workload", change: (json: any) => void): Finding[] {
  const json = structuredClone(app.stacks[stack]);
  change(json);
  return [...validateStack(stack, json).findings];
}

const cluster = (json: any) => only(json, "azurerm_kubernetes_cluster").body;
const clusterAddress = () => `azurerm_kubernetes_cluster.${only(app.stacks.platform, "azurerm_kubernetes_cluster").name}`;
const pod = (json: any) => only(json, "kubernetes_pod_v1").body;
const podAddress = () => `kubernetes_pod_v1.${only(app.stacks.workload, "kubernetes_pod_v1").name}`;

/** The one finding, as the fields a reader needs: severity, stack, address, path. */
function where(findings: Finding[]): Array<Pick<Finding, "severity" | "stack" | "address" | "path">> {
  return findings.map(({ severity, stack, address, path: p }) => ({ severity, stack, address, path: p }));
}

describe("the default app's synth output", () => {
  test("validates clean: no error, no warning", () => {
    for (const [name, json] of Object.entries(app.stacks)) expect(validateStack(name, json).findings).toEqual([]);
  });

  test("a planted error fails the suite's synth helpers (the tier can fail)", () => {
    const json = structuredClone(app.stacks.platform);
    cluster(json).nmae = "x";
    expect(() => expectValidStack("platform", json)).toThrow(/does not validate against the provider schemas:\nerror: platform: azurerm_kubernetes_cluster\.\S+ nmae: unknown argument/);
  });
});

describe("planted errors are reported with stack, address and path", () => {
  test("an unknown argument, with the name it probably meant", () => {
    const findings = plant("platform", (j) => {
      cluster(j).oidc_issuer_enable = true;
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "oidc_issuer_enable" }]);
    expect(findings[0].message).toMatch(/unknown argument or block "oidc_issuer_enable".*did you mean "oidc_issuer_enabled"\?/);
    expect(findings[0].constructPath).toBe("platform/aks/cluster");
  });

  test("an unknown nested block, deep in a Kubernetes pod", () => {
    const findings = plant("workload", (j) => {
      pod(j).spec.container[0].securty_context = pod(j).spec.container[0].security_context;
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "spec.container[0].securty_context" }]);
    expect(findings[0].message).toMatch(/did you mean "security_context"/);
  });

  test("a missing required argument", () => {
    const findings = plant("platform", (j) => {
      delete cluster(j).name;
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "name" }]);
    expect(findings[0].message).toBe('missing required argument "name"');
  });

  test("a required argument set to null counts as missing", () => {
    const findings = plant("platform", (j) => {
      cluster(j).default_node_pool.name = null;
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "default_node_pool.name" }]);
  });

  test("a computed-only attribute set in configuration", () => {
    const findings = plant("platform", (j) => {
      cluster(j).oidc_issuer_url = "https://issuer.example";
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "oidc_issuer_url" }]);
    expect(findings[0].message).toMatch(/computed by the provider and cannot be set/);
  });

  test("too many blocks for max_items (a list block written as a JSON array)", () => {
    const findings = plant("platform", (j) => {
      const pool = cluster(j).default_node_pool;
      cluster(j).default_node_pool = [pool, { ...pool, name: "second" }];
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "default_node_pool" }]);
    expect(findings[0].message).toBe('too many "default_node_pool" blocks: at most 1 allowed, 2 given');
  });

  test("too few blocks for min_items", () => {
    const findings = plant("platform", (j) => {
      delete cluster(j).default_node_pool;
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "default_node_pool" }]);
    expect(findings[0].message).toBe('insufficient "default_node_pool" blocks: at least 1 required, 0 given');
  });

  test("a second block of a single-nested type", () => {
    const findings = plant("platform", (j) => {
      cluster(j).timeouts = [{ create: "90m" }, { delete: "90m" }];
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "timeouts" }]);
    expect(findings[0].message).toMatch(/duplicate "timeouts" block/);
  });

  test("a block given as a string (Terraform's JSON syntax needs an object or an array)", () => {
    const findings = plant("platform", (j) => {
      cluster(j).identity = "${var.identity}";
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "identity" }]);
    expect(findings[0].message).toMatch(/is a block: .*JSON object \(one block\) or an array of objects.*use a dynamic block/);
  });

  test("a block as an object and as a one-element array are the same block; null is none", () => {
    expect(plant("platform", (j) => (cluster(j).identity = [cluster(j).identity]))).toEqual([]);
    expect(plant("platform", (j) => (cluster(j).timeouts = null))).toEqual([]);
  });

  test("a string that is not a number where a number is required", () => {
    const findings = plant("platform", (j) => {
      cluster(j).default_node_pool.node_count = "three";
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "default_node_pool.node_count" }]);
    expect(findings[0].message).toBe('inappropriate value: number required, got string "three"');
  });

  test("numbers and bools written as strings convert as Terraform converts them", () => {
    expect(plant("platform", (j) => (cluster(j).default_node_pool.node_count = "3"))).toEqual([]);
    expect(plant("platform", (j) => (cluster(j).local_account_disabled = "true"))).toEqual([]);
    expect(plant("platform", (j) => (cluster(j).dns_prefix = 42))).toEqual([]);
    const findings = plant("platform", (j) => (cluster(j).local_account_disabled = "yes"));
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "local_account_disabled" }]);
  });

  test("a collection where a string is required, and a string template where a list is required", () => {
    const asList = plant("workload", (j) => (pod(j).metadata.name = ["a"]));
    expect(where(asList)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "metadata.name" }]);
    const template = plant("workload", (j) => (pod(j).spec.container[0].security_context.capabilities.drop = "ALL-${var.x}"));
    expect(where(template)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "spec.container[0].security_context.capabilities.drop" }]);
    expect(template[0].message).toMatch(/list\(string\) required, got a string template/);
  });

  test("a single interpolation is unknown until plan and passes for any type", () => {
    expect(plant("workload", (j) => (pod(j).spec.container[0].security_context.capabilities.drop = "${var.drop}"))).toEqual([]);
    expect(plant("platform", (j) => (cluster(j).default_node_pool.node_count = "${var.nodes}"))).toEqual([]);
  });

  test("a map element of the wrong type", () => {
    const findings = plant("workload", (j) => (pod(j).metadata.labels["azure.workload.identity/use"] = { on: true }));
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: 'metadata.labels["azure.workload.identity/use"]' }]);
  });

  test("a deprecated attribute is a warning", () => {
    const findings = plant("platform", (j) => (only(j, "azurerm_key_vault").body.enable_rbac_authorization = true));
    expect(findings.map((f) => [f.severity, f.path])).toEqual([["warning", "enable_rbac_authorization"]]);
    expect(findings[0].message).toMatch(/deprecated/);
  });

  test("an unknown resource type, with the type it probably meant", () => {
    const findings = plant("platform", (j) => {
      j.resource.azurerm_resource_grup = { rg: { name: "x", location: "eastus" } };
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: "azurerm_resource_grup.rg", path: "" }]);
    expect(findings[0].message).toMatch(/resource type "azurerm_resource_grup" does not exist in azurerm 4\.55\.0 \(did you mean "azurerm_resource_group"\?\)/);
  });

  test("a type of a provider with no bundled schema is reported, not passed", () => {
    const findings = plant("platform", (j) => {
      j.resource.random_string = { suffix: { length: 4 } };
    });
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: "random_string.suffix", path: "" }]);
    expect(findings[0].message).toMatch(/provider registry\.terraform\.io\/hashicorp\/random is not checked: no schema of that provider is bundled/);
  });

  test("a data source: unknown argument and missing required argument", () => {
    const findings = plant("workload", (j) => {
      const state = only(j, "terraform_remote_state", "data").body;
      delete state.backend;
      only(j, "azurerm_kubernetes_cluster", "data").body.resource_group = "rg";
    });
    const state = only(app.stacks.workload, "terraform_remote_state", "data").name;
    const aks = only(app.stacks.workload, "azurerm_kubernetes_cluster", "data").name;
    expect(where(findings)).toEqual(
      expect.arrayContaining([
        { severity: "error", stack: "workload", address: `data.azurerm_kubernetes_cluster.${aks}`, path: "resource_group" },
        { severity: "error", stack: "workload", address: `data.terraform_remote_state.${state}`, path: "backend" },
      ]),
    );
    expect(findings).toHaveLength(2);
  });

  test("an unknown top-level key", () => {
    const findings = plant("platform", (j) => (j.resources = {}));
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: "resources", path: "" }]);
    expect(findings[0].message).toMatch(/did you mean "resource"/);
  });

  test("a version range for a bundled provider is a warning: the bundled version is assumed", () => {
    const findings = plant("platform", (j) => (j.terraform.required_providers.azurerm.version = "~> 4.0"));
    expect(findings.map((f) => [f.severity, f.address, f.path])).toEqual([["warning", "terraform.required_providers.azurerm", "version"]]);
  });

  test("labels may be given as arrays of objects, as Terraform's JSON syntax allows; an address given twice is an error", () => {
    expect(plant("platform", (j) => (j.resource = [j.resource]))).toEqual([]);
    const twice = plant("platform", (j) => (j.resource.azurerm_resource_group = [j.resource.azurerm_resource_group, j.resource.azurerm_resource_group]));
    const rg = only(app.stacks.platform, "azurerm_resource_group").name;
    expect(where(twice)).toEqual([{ severity: "error", stack: "platform", address: `azurerm_resource_group.${rg}`, path: "" }]);
    expect(where(plant("platform", (j) => (j.data = "x")))).toEqual([{ severity: "error", stack: "platform", address: "data", path: "" }]);
  });

  test("names of Object.prototype are unknown names, not schema entries", () => {
    const findings = plant("platform", (j) => {
      cluster(j).constructor = "x";
      j.resource.toString = { t: {} };
    });
    expect(where(findings)).toEqual([
      { severity: "error", stack: "platform", address: clusterAddress(), path: "constructor" },
      { severity: "error", stack: "platform", address: "toString.t", path: "" },
    ]);
  });

  test("an ephemeral resource: missing required argument", () => {
    const findings = plant("platform", (j) => (j.ephemeral = { azurerm_key_vault_secret: { db: { name: "db-password" } } }));
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: "ephemeral.azurerm_key_vault_secret.db", path: "key_vault_id" }]);
  });

  test("a pinned provider version other than the bundled schema's", () => {
    const findings = plant("platform", (j) => (j.terraform.required_providers.azurerm.version = "4.50.0"));
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: "terraform.required_providers.azurerm", path: "version" }]);
    expect(findings[0].message).toMatch(/pins azurerm 4\.50\.0 but the bundled schema is of 4\.55\.0/);
  });
});

describe("meta-arguments", () => {
  test("count and for_each together", () => {
    const findings = plant("platform", (j) => Object.assign(cluster(j), { count: 1, for_each: "${var.x}" }));
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "count" }]);
  });

  test("count that is not a number, for_each given a JSON array", () => {
    expect(where(plant("platform", (j) => (cluster(j).count = "two")))).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "count" }]);
    const findings = plant("platform", (j) => (cluster(j).for_each = ["a", "b"]));
    expect(findings[0].message).toMatch(/for_each" needs a map or a set of strings, got a JSON array/);
  });

  test("depends_on naming a resource the stack does not declare", () => {
    const findings = plant("workload", (j) => pod(j).depends_on.push("time_sleep.missing"));
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: `depends_on[${pod(app.stacks.workload).depends_on.length}]` }]);
    expect(findings[0].message).toBe('reference to undeclared resource "time_sleep.missing" in this stack');
  });

  test("an unknown lifecycle argument, and one a data source cannot have", () => {
    const lc = plant("workload", (j) => (pod(j).lifecycle.ignore_change = ["spec"]));
    expect(where(lc)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "lifecycle.ignore_change" }]);
    expect(lc[0].message).toMatch(/did you mean "ignore_changes"/);
    const data = plant("workload", (j) => (only(j, "azurerm_kubernetes_cluster", "data").body.lifecycle = { create_before_destroy: true }));
    expect(data.map((f) => f.path)).toEqual(["lifecycle.create_before_destroy"]);
  });

  test("ignore_changes naming an attribute the schema does not have", () => {
    const findings = plant("workload", (j) => pod(j).lifecycle.ignore_changes.push("metadata[0].labelz"));
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "lifecycle.ignore_changes[1]" }]);
    expect(findings[0].message).toMatch(/no "labelz" there \(did you mean "labels"\?\)/);
  });

  test("ignore_changes naming a computed-only attribute is a warning (it has no effect)", () => {
    const findings = plant("platform", (j) => (cluster(j).lifecycle = { ignore_changes: ["oidc_issuer_url"] }));
    expect(findings.map((f) => [f.severity, f.path])).toEqual([["warning", "lifecycle.ignore_changes[0]"]]);
  });

  test("a precondition needs condition and error_message", () => {
    const findings = plant("platform", (j) => (cluster(j).lifecycle = { precondition: [{ condition: "${true}" }] }));
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "lifecycle.precondition[0].error_message" }]);
  });

  test("depends_on entries are bare references, not interpolations", () => {
    const findings = plant("workload", (j) => (pod(j).depends_on = ["${time_sleep.x.id}"]));
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "depends_on[0]" }]);
  });

  test("provider naming something that is not a provider configuration", () => {
    const findings = plant("platform", (j) => (cluster(j).provider = "azurerm alias"));
    expect(where(findings)).toEqual([{ severity: "error", stack: "platform", address: clusterAddress(), path: "provider" }]);
  });

  test("the Terraform JSON comment property is ignored in block bodies", () => {
    expect(plant("platform", (j) => (cluster(j).default_node_pool["//"] = "a comment"))).toEqual([]);
  });

  test("provisioners are checked against Terraform's built-in provisioner schemas", () => {
    expect(plant("platform", (j) => (cluster(j).provisioner = [{ "local-exec": { command: "echo", when: "destroy", on_failure: "continue" } }]))).toEqual([]);
    const findings = plant("platform", (j) => (cluster(j).provisioner = [{ "local-exec": { comand: "echo" } }, { "locl-exec": {} }]));
    expect(findings.map((f) => [f.severity, f.path])).toEqual([
      ["error", "provisioner[0].local-exec.comand"],
      ["error", "provisioner[0].local-exec.command"],
      ["error", "provisioner[1].locl-exec"],
    ]);
    expect(findings[2].message).toMatch(/unknown provisioner type "locl-exec".*did you mean "local-exec"/);
  });

  test("a connection block is reported as not checked", () => {
    const findings = plant("platform", (j) => (cluster(j).connection = { type: "ssh", host: "h" }));
    expect(findings.map((f) => [f.severity, f.path])).toEqual([["warning", "connection"]]);
  });
});

describe("dynamic blocks", () => {
  const dynamicContainers = (content: object) => (j: any) => {
    pod(j).spec.dynamic = { container: { for_each: "${var.containers}", iterator: "c", content } };
  };

  test("a valid dynamic block passes, and stands in for the blocks min_items asks for", () => {
    expect(plant("workload", dynamicContainers({ name: "${c.value.name}", image: "${c.value.image}" }))).toEqual([]);
    const noStatic = plant("workload", (j) => {
      dynamicContainers({ name: "${c.value}" })(j);
      delete pod(j).spec.container;
    });
    expect(noStatic).toEqual([]);
  });

  test("an unknown argument in a dynamic block's content", () => {
    const findings = plant("workload", dynamicContainers({ name: "${c.value}", imag: "x" }));
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "spec.dynamic.container.content.imag" }]);
  });

  test("a dynamic block of an unknown block type", () => {
    const findings = plant("workload", (j) => (pod(j).spec.dynamic = { containr: { for_each: "${var.c}", content: {} } }));
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "spec.dynamic.containr" }]);
    expect(findings[0].message).toMatch(/did you mean "container"/);
  });

  test("a dynamic block without for_each", () => {
    const findings = plant("workload", (j) => (pod(j).spec.dynamic = { container: { content: { name: "x" } } }));
    expect(where(findings)).toEqual([{ severity: "error", stack: "workload", address: podAddress(), path: "spec.dynamic.container.for_each" }]);
  });
});

describe("nesting modes and types the bundled providers do not use", () => {
  // A provider of one resource type with a map block, a group block, a nested attribute and an object type.
  const schemas: ProviderSchemas[] = [
    {
      format: 1,
      provider: "registry.terraform.io/hashicorp/example",
      version: "1.0.0",
      source: { repository: "test", tag: "v1.0.0" },
      resource_schemas: {
        example_thing: {
          block: {
            attributes: {
              settings: { type: ["object", { size: "number", tier: "string" }, ["tier"]], optional: true },
              rules: { nested_type: { nesting_mode: "list", attributes: { port: { type: "number", required: true } }, max_items: 2 }, optional: true },
            },
            block_types: {
              zone: { nesting_mode: "map", block: { attributes: { weight: { type: "number", required: true } } } },
              options: { nesting_mode: "group", block: { attributes: { debug: { type: "bool", optional: true } } } },
            },
          },
        },
      },
      data_source_schemas: {},
      ephemeral_resource_schemas: {},
    },
  ];
  const check = (body: object) => where([...validateStack("s", { resource: { example_thing: { t: body } } }, schemas).findings]).map((f) => f.path);

  test("map blocks are keyed by their label; each body is checked", () => {
    expect(check({ zone: { a: { weight: 1 }, b: [{ weight: 2 }] } })).toEqual([]);
    expect(check({ zone: { a: {} } })).toEqual(['zone["a"].weight']);
  });

  test("a group block takes at most one body", () => {
    expect(check({ options: { debug: true } })).toEqual([]);
    expect(check({ options: [{ debug: true }, { debug: false }] })).toEqual(["options"]);
  });

  test("object types need their non-optional attributes; an attribute they do not have is a warning (Terraform drops it)", () => {
    expect(check({ settings: { size: 1 } })).toEqual([]);
    expect(check({ settings: { tier: "x" } })).toEqual(["settings"]);
    const extra = validateStack("s", { resource: { example_thing: { t: { settings: { size: 1, colour: "red" } } } } }, schemas).findings;
    expect(extra.map((f) => [f.severity, f.path])).toEqual([["warning", "settings.colour"]]);
  });

  test("nested attributes: required inner attributes and max_items", () => {
    expect(check({ rules: [{ port: 80 }] })).toEqual([]);
    expect(check({ rules: [{}] })).toEqual(["rules[0].port"]);
    expect(check({ rules: [{ port: 1 }, { port: 2 }, { port: 3 }] })).toEqual(["rules"]);
  });
});

describe("Terraform's string templates", () => {
  test.each([
    ["plain", "literal"],
    ["$${escaped}", "literal"],
    ["%%{escaped}", "literal"],
    ["${var.x}", "interpolation"],
    ['${lookup(var.m, "k", "}")}', "interpolation"],
    ["${a}${b}", "template"],
    ["prefix-${var.x}", "template"],
    ["%{ if true }x%{ endif }", "template"],
  ])("%s is a %s", (s, kind) => {
    expect(stringKind(s)).toBe(kind);
  });
});

describe("the bundled provider schemas", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const providerPackages = Object.keys(pkg.devDependencies).filter((d) => d.startsWith("@cdktf/provider-"));

  test.each(providerPackages)("%s: the pinned package's provider version has a bundled schema of that version", (name) => {
    const installed = JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8"));
    expect(installed.version).toBe(pkg.devDependencies[name]);
    const { name: source, version } = installed.cdktf.provider;
    const bundled = bundledSchemas().filter((s) => s.provider === source);
    expect(bundled.map((s) => s.version)).toEqual([version]);
  });

  test("the azapi schema is of the version the library's AzapiProvider pins", () => {
    expect(bundledSchemas().filter((s) => s.provider === "registry.terraform.io/azure/azapi").map((s) => s.version)).toEqual([AZAPI_PROVIDER_VERSION]);
  });

  test("every bundled schema belongs to a pinned provider package or the library's azapi pin (none left over)", () => {
    const pinned = providerPackages.map((name) => {
      const p = JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).cdktf.provider;
      return `${p.name} ${p.version}`;
    });
    pinned.push(`registry.terraform.io/azure/azapi ${AZAPI_PROVIDER_VERSION}`);
    const files = fs.readdirSync(path.join(root, "schemas", "providers"));
    expect(files.map((f) => readSchemaFile(path.join(root, "schemas", "providers", f))).map((s) => `${s.provider} ${s.version}`).sort()).toEqual(pinned.sort());
  });

  test("record where they come from: repository, tag and commit", () => {
    for (const s of bundledSchemas().slice(1)) {
      expect(s.source).toEqual({ repository: expect.stringMatching(/^https:\/\/github\.com\/lonegunmanb\/terraform-[a-z]+-schema$/), tag: expect.stringMatching(/^v\d+\.\d+\.\d+$/), commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
      // A schema read from another tag than its version says why.
      if (s.source.tag !== `v${s.version}`) expect(s.note).toMatch(/changes no provider code/);
    }
  });
});

describe("azwi-validate", () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    jest.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  });
  afterEach(() => jest.restoreAllMocks());

  /** A copy of the default app's synth output with `change` applied to one stack. */
  function outputWith(stack: string, change: (json: any) => void): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-validate-"));
    fs.cpSync(app.outdir, dir, { recursive: true });
    const file = path.join(dir, "stacks", stack, "cdk.tf.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    change(json);
    fs.writeFileSync(file, JSON.stringify(json));
    return dir;
  }

  test("exits 0 on a clean synth output and says what it checked", () => {
    expect(main([app.outdir])).toBe(0);
    expect(out.at(-1)).toMatch(/^validate: 0 errors, 0 warnings in 2 stacks \(\d+ blocks checked against .*azurerm 4\.55\.0.*kubernetes 2\.38\.0.*time 0\.13\.1\)$/);
    expect(out).toContain("note: not checked: workload: provider configuration (azurerm, kubernetes, time): the bundled schemas hold resource and data source types only");
  });

  test("exits 1 on a finding, one line naming stack, address, path and construct", () => {
    const dir = outputWith("platform", (j) => (cluster(j).nmae = "x"));
    expect(main([dir])).toBe(1);
    expect(out[0]).toBe(`error: platform: ${clusterAddress()} nmae: unknown argument or block "nmae": the schema has no such name here (did you mean "name"?) [platform/aks/cluster]`);
    expect(formatFinding({ severity: "warning", stack: "s", address: "a.b", path: "", message: "m" })).toBe("warning: s: a.b: m");
  });

  test("warnings alone exit 0; --quiet prints errors only", () => {
    const dir = outputWith("platform", (j) => (only(j, "azurerm_key_vault").body.enable_rbac_authorization = true));
    expect(main(["--quiet", dir])).toBe(0);
    expect(out).toEqual([]);
    expect(main([dir])).toBe(0);
    expect(out[0]).toMatch(/^warning: platform: azurerm_key_vault\.\S+ enable_rbac_authorization: /);
  });

  test("exits 2 with a message, no stack trace, on a directory that is not a synth output", () => {
    expect(main([path.join(os.tmpdir(), "no-such-synth-output")])).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^validate: .*no-such-synth-output: no manifest\.json here/)]);
  });

  test("exits 2 on a stack file that is not JSON, and on a stack path outside the output", () => {
    const broken = outputWith("platform", () => undefined);
    fs.writeFileSync(path.join(broken, "stacks", "platform", "cdk.tf.json"), "{");
    expect(main([broken])).toBe(2);
    expect(err[0]).toMatch(/cdk\.tf\.json: not valid JSON/);
    const escaping = outputWith("platform", () => undefined);
    fs.writeFileSync(path.join(escaping, "manifest.json"), JSON.stringify({ stacks: { x: { synthesizedStackPath: "../../etc/passwd" } } }));
    expect(main([escaping])).toBe(2);
    expect(err[1]).toMatch(/points outside/);
  });

  test("exits 2 on an unknown option, 0 with usage on --help", () => {
    expect(main(["--strict"])).toBe(2);
    expect(main(["--help"])).toBe(0);
    expect(out[0]).toMatch(/^usage: azwi-validate /);
  });
});
