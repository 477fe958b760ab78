/**
 * Environment files are data, never Terraform code. The test walks schemas/environment.schema.json,
 * finds every string field, and for each writes a file with `${file("/etc/hostname")}` and
 * `%{ if true }x%{ endif }` in that field: the file is refused at its line and field, or no
 * synthesized file (cdk.tf.json, YAML manifests) holds a live template carrying the payload.
 */
import * as fs from "fs";
import { stringify } from "yaml";
import { ENVIRONMENT_SCHEMA_PATH, environmentFields, fieldPattern, gateStrings } from "../stacks/environments/load";
import { envDir, runEnvironments, shown } from "./support/environment-files";
import { injectedTemplates, PAYLOADS } from "./support/live-templates";

type Json = Record<string, any>;
const schema: Json = JSON.parse(fs.readFileSync(ENVIRONMENT_SCHEMA_PATH, "utf8"));

/** Every string field of the schema: its path pattern (`[]` for list items) and, for enums, the allowed strings. */
function schemaStringFields(): Map<string, Set<string> | undefined> {
  const found = new Map<string, Set<string> | undefined>();
  const resolve = (node: Json): Json => (node.$ref ? resolve(node.$ref.replace(/^#\//, "").split("/").reduce((n: Json, k: string) => n[k], schema)) : node);
  const add = (at: string, values: unknown[] | undefined) => {
    if (values === undefined) {
      if (!found.has(at)) found.set(at, undefined);
      return;
    }
    const set = found.get(at) ?? new Set<string>();
    for (const v of values) set.add(String(v));
    found.set(at, set);
  };
  const walk = (raw: Json, at: string): void => {
    const node = resolve(raw);
    if (node.type === "string") add(at, undefined);
    if (Array.isArray(node.enum) && node.enum.every((v: unknown) => typeof v === "string")) add(at, node.enum);
    if (typeof node.const === "string") add(at, [node.const]);
    for (const [key, value] of Object.entries<Json>(node.properties ?? {})) walk(value, at ? `${at}.${key}` : key);
    if (node.items) walk(node.items, `${at}[]`);
    for (const branch of [node.then, node.else, ...(node.allOf ?? []), ...(node.anyOf ?? [])]) if (branch) walk(branch, at);
  };
  walk(schema, "");
  return found;
}

const workload = (extra: Json): Json => ({
  namespace: "web",
  serviceAccount: "frontend",
  grantScope: "secret",
  secrets: [{ name: "web-secret" }],
  pods: [{ name: "web-pod", image: "ghcr.io/org/web:1.0" }],
  deployments: [{ name: "web-deploy", image: "ghcr.io/org/web:1.0", replicas: 1 }],
  ...extra,
});

/** Valid files that between them hold every string field of the schema. */
const VARIANTS: Json[] = [
  {
    subscription: "00000000-0000-0000-0000-000000000000",
    location: "eastus",
    resourceGroup: "rg-x",
    state: { backend: "azurerm", resourceGroup: "rg-tf", storageAccount: "sttf", container: "tfstate", keyPrefix: "azwi/x", subscription: "00000000-0000-0000-0000-000000000000", tenant: "00000000-0000-0000-0000-000000000000" },
    cluster: { name: "aks-x", vmSize: "Standard_D2s_v3", localAccounts: "disabled" },
    vault: { name: "kv-x-example", permissionModel: "rbac" },
    kubernetes: { auth: "kubelogin", kubeloginMode: "azurecli", kubeloginEnvironment: "azurerm" },
    identities: [{ name: "id-shared" }],
    teams: [{ name: "web", workloads: [workload({ identityName: "id-web" }), workload({ serviceAccount: "reports", sharedIdentity: "id-shared", secrets: [{ name: "reports-secret" }], pods: [], deployments: [] })] }],
  },
  {
    location: "eastus",
    resourceGroup: "rg-x",
    state: { backend: "cloud", organization: "org", hostname: "tfe.example.com", workspacePrefix: "azwi-" },
    cluster: { existing: true, name: "aks-x", resourceGroup: "rg-aks" },
    vault: { existing: true, name: "kv-x-example", resourceGroup: "rg-kv", permissionModel: "rbac" },
    identities: [{ name: "id-shared", binding: "shared" }],
    workloads: [workload({ identityName: "id-web" }), workload({ namespace: "api", sharedIdentity: "id-shared", secrets: [{ name: "api-secret" }], pods: [], deployments: [] })],
  },
  { location: "eastus", resourceGroup: "rg-x", state: { backend: "local" }, cluster: { name: "aks-x" }, vault: { name: "kv-x-example" }, workloads: [workload({})] },
];

/** The first place in a variant where a string is at a field matching `pattern`. */
function placeOf(pattern: string): { variant: number; where: (string | number)[] } | undefined {
  for (const [variant, doc] of VARIANTS.entries()) {
    const search = (value: unknown, where: (string | number)[]): (string | number)[] | undefined => {
      if (typeof value === "string") return fieldPattern(where) === pattern ? where : undefined;
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) {
          const hit = search(v, [...where, i]);
          if (hit) return hit;
        }
      } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
          const hit = search(v, [...where, k]);
          if (hit) return hit;
        }
      }
      return undefined;
    };
    const where = search(doc, []);
    if (where) return { variant, where };
  }
  return undefined;
}

function withValue(doc: Json, where: (string | number)[], value: string): Json {
  const copy = JSON.parse(JSON.stringify(doc));
  let node = copy;
  for (const part of where.slice(0, -1)) node = node[part];
  node[where[where.length - 1]] = value;
  return copy;
}

const fields = schemaStringFields();

describe("the gate knows every string field of the schema", () => {
  test("each schema string field has a shape in environmentFields, and no shape is for a field the schema lacks", () => {
    expect(Object.keys(environmentFields()).sort()).toEqual([...fields.keys()].sort());
  });

  test("each enum field is a choice of exactly the schema's values", () => {
    const shapes = environmentFields();
    for (const [field, values] of fields) {
      if (values === undefined) continue;
      const shape = shapes[field];
      expect({ field, choices: shape.kind === "choice" ? [...shape.choices].sort() : shape.kind }).toEqual({ field, choices: [...values].sort() });
    }
  });

  test("the sample files hold every string field, and each sample is accepted as it is", () => {
    expect([...fields.keys()].filter((f) => !placeOf(f))).toEqual([]);
    for (const doc of VARIANTS) expect(runEnvironments(envDir({ "dev.yaml": stringify(doc) }))).toHaveProperty("outdir");
  });
});

describe("no string field carries a Terraform template into the synthesized files", () => {
  const cases = [...fields.keys()].flatMap((field) => PAYLOADS.map((payload) => [field, payload] as const));
  test.each(cases)("%s = %s: refused at its file, line and field, or written as data", (field, payload) => {
    const place = placeOf(field)!;
    const dir = envDir({ "dev.yaml": stringify(withValue(VARIANTS[place.variant], place.where, payload)) });
    const outcome = runEnvironments(dir);
    if ("refused" in outcome) {
      const shownPath = place.where.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
      expect(outcome.refused).toContainEqual(expect.stringMatching(new RegExp(`^${shown(dir, "dev.yaml").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: ${shownPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `)));
    } else {
      expect(injectedTemplates(outcome.outdir)).toEqual([]);
    }
  });
});

describe("a field the gate has no shape for is refused, not passed through", () => {
  test("a string in a field the table does not name (the schema extended, the table not) is refused", () => {
    const partial = environmentFields();
    delete partial["teams[].workloads[].pods[].image"];
    const gated = gateStrings(VARIANTS[0], partial);
    expect(gated.problems).toEqual([expect.stringMatching(/^teams\[0\]\.workloads\[0\]\.pods\[0\]\.image: "ghcr\.io\/org\/web:1\.0" is in a field the loader has no shape for/)]);
  });

  test("with the whole table, the same data passes unchanged (no field is free text today)", () => {
    expect(gateStrings(VARIANTS[0], environmentFields())).toEqual({ data: VARIANTS[0], problems: [] });
  });
});
