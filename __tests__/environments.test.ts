import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { checkApp } from "../lib/guardrails/check-app";
import { buildConfiguredApp, ConfigError, EnvironmentError } from "../stacks";
import { sharedPerTest } from "./support/helpers";
import { expectValidSynthOutput } from "./support/schema-validation";

const root = path.join(__dirname, "..");
const examples = path.join(root, "examples", "environments");

interface Synthesized {
  outdir: string;
  manifest: any;
  stacks: Record<string, any>;
}

/** Synthesizes the app as main.ts does, with `settings` as the environment, into a temp dir. */
function synthWith(settings: Record<string, string>): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-env-"));
  const app = new App({ outdir });
  buildConfiguredApp(app, (name) => settings[name]);
  checkApp(app);
  app.synth();
  expectValidSynthOutput(outdir);
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const stacks: Record<string, any> = {};
  for (const [name, s] of Object.entries<any>(manifest.stacks)) {
    stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8"));
  }
  return { outdir, manifest, stacks };
}

/** A temp ENVIRONMENTS_DIR with the given files. */
function envDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-envfiles-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The error buildConfiguredApp throws for these files. */
function refusal(files: Record<string, string>): string {
  const dir = envDir(files);
  try {
    buildConfiguredApp(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-env-")) }), (n) => (n === "ENVIRONMENTS_DIR" ? dir : undefined));
  } catch (e) {
    expect(e).toBeInstanceOf(EnvironmentError);
    return (e as Error).message;
  }
  throw new Error("the files were accepted");
}

const minimal = `location: eastus
resourceGroup: rg-x
cluster:
  name: aks-x
vault:
  name: kv-x-example
teams:
  - name: web
    workloads:
      - namespace: web
        serviceAccount: frontend
        secrets:
          - name: web-secret
        pods:
          - name: web-pod
            image: ghcr.io/org/web:1.0
`;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("the example environments", () => {
  const synthesized = sharedPerTest(() => synthWith({ ENVIRONMENTS_DIR: examples }));
  let out: Synthesized;
  beforeEach(() => {
    out = synthesized();
  });
  const resources = (stack: string, type: string): Record<string, any> => out.stacks[stack].resource?.[type] ?? {};

  test("give a platform stack and one stack per team for every environment", () => {
    expect(Object.keys(out.stacks).sort()).toEqual(["dev-payments", "dev-platform", "dev-search", "prod-payments", "prod-platform", "prod-search"]);
  });

  test("label every stack with its environment and team for the review", () => {
    expect(out.stacks["dev-platform"]["//"].azwi).toEqual({ environment: "dev" });
    expect(out.stacks["prod-search"]["//"].azwi).toEqual({ environment: "prod", team: "search" });
  });

  test("give every stack a backend", () => {
    for (const [name, stack] of Object.entries(out.stacks)) {
      expect([name, Object.keys(stack.terraform.backend ?? {})]).toEqual([name, [name.startsWith("prod") ? "azurerm" : "local"]]);
    }
  });

  test("keep prod's state in Azure Storage with Azure AD auth, OIDC and one key per stack, never a storage key", () => {
    const prod = Object.entries(out.stacks).filter(([n]) => n.startsWith("prod-"));
    const keys = prod.map(([, s]) => s.terraform.backend.azurerm.key);
    expect(keys.sort()).toEqual(["azwi/prod/prod-payments.tfstate", "azwi/prod/prod-platform.tfstate", "azwi/prod/prod-search.tfstate"]);
    for (const [, s] of prod) {
      const b = s.terraform.backend.azurerm;
      expect(b).toMatchObject({ use_azuread_auth: true, use_oidc: true, storage_account_name: "stazwitfstate", container_name: "tfstate" });
      expect(b).not.toHaveProperty("access_key");
      expect(b).not.toHaveProperty("sas_token");
    }
  });

  test("keep dev's state in local files next to the output directory, by a relative path", () => {
    expect(out.stacks["dev-search"].terraform.backend.local.path).toBe("../../../terraform.dev-search.tfstate");
  });

  test("read another stack's outputs from that stack's own backend", () => {
    const readers: string[] = [];
    for (const [name, stack] of Object.entries(out.stacks)) {
      for (const [id, remote] of Object.entries<any>(stack.data?.terraform_remote_state ?? {})) {
        readers.push(name);
        const producer = /^cross-stack-reference-input-(.+)$/.exec(id)![1];
        const backend = out.stacks[producer].terraform.backend;
        const [kind] = Object.keys(backend);
        expect([name, remote.backend, remote.config]).toEqual([name, kind, backend[kind]]);
      }
    }
    // Every team stack reads its platform (local state in dev, azurerm in prod): the loop above checked both kinds.
    expect([...new Set(readers)].sort()).toEqual(["dev-payments", "dev-search", "prod-payments", "prod-search"]);
  });

  test("write no machine path into any synthesized file", () => {
    const machine = [root, os.tmpdir(), os.homedir(), out.outdir].filter((p) => p.length > 1);
    for (const file of walk(out.outdir)) {
      const text = fs.readFileSync(file, "utf8");
      for (const p of machine) expect([file, text.includes(p)]).toEqual([file, false]);
    }
  });

  test("deploy team stacks that share an identity one after another (their credentials on it must not be written at once)", () => {
    expect(out.manifest.stacks["dev-search"].dependencies).toEqual(expect.arrayContaining(["dev-platform", "dev-payments"]));
    expect(out.manifest.stacks["dev-payments"].dependencies).toEqual(["dev-platform"]);
  });

  test("create the shared identity once, in the platform stack", () => {
    const ids = Object.values<any>(resources("dev-platform", "azurerm_user_assigned_identity")).map((i) => i.name);
    expect(ids).toEqual(["id-dev-reporting"]);
    expect(Object.values<any>(resources("dev-search", "azurerm_user_assigned_identity")).map((i) => i.name)).toEqual(["id-search-indexer"]);
  });

  test("read an existing cluster in prod, with no cluster resource anywhere", () => {
    for (const name of ["prod-platform", "prod-payments", "prod-search"]) expect(resources(name, "azurerm_kubernetes_cluster")).toEqual({});
    const read = Object.values<any>(out.stacks["prod-search"].data.azurerm_kubernetes_cluster);
    expect(read.map((c) => [c.name, c.resource_group_name])).toEqual([["aks-prod-shared", "rg-aks-prod"]]);
  });

  /**
   * The chain of every workload of the example files, followed across stacks: a reference to
   * another stack's output is resolved to that output's value in the producer stack.
   */
  describe("complete every workload's identity chain across its stacks", () => {
    const resolve = (stack: string, value: string): { stack: string; ref: string } => {
      const m = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-([^.]+)\.outputs\.([^}]+)\}$/.exec(value);
      if (!m) return { stack, ref: value };
      return resolve(m[1], out.stacks[m[1]].output[m[2]].value);
    };
    const identityOf = (stack: string, ref: string) => {
      const r = resolve(stack, ref);
      const m = /^\$\{azurerm_user_assigned_identity\.([^.]+)\.(\w+)\}$/.exec(r.ref);
      if (!m) throw new Error(`${ref} does not lead to an identity`);
      return { stack: r.stack, identity: m[1], attribute: m[2] };
    };
    const cases: [string, string, string][] = [
      ["dev-payments", "payments", "api"],
      ["dev-payments", "payments", "reports"],
      ["dev-search", "search", "indexer"],
      ["dev-search", "search", "reports"],
      ["prod-payments", "payments", "api"],
      ["prod-payments", "payments", "reports"],
      ["prod-search", "search", "indexer"],
      ["prod-search", "search", "reports"],
    ];
    test.each(cases)("%s %s/%s: service account, subject, identity, grant and pod", (stack, namespace, sa) => {
      const account = Object.values<any>(resources(stack, "kubernetes_service_account_v1")).find((a) => a.metadata.name === sa);
      const annotated = identityOf(stack, account.metadata.annotations["azure.workload.identity/client-id"]);
      expect(annotated.attribute).toBe("client_id");
      const credential = Object.values<any>(resources(stack, "azurerm_federated_identity_credential")).find(
        (c) => c.subject === `system:serviceaccount:${namespace}:${sa}`,
      );
      expect(credential.audience).toEqual(["api://AzureADTokenExchange"]);
      expect(credential.issuer).toMatch(/^\$\{data\.azurerm_kubernetes_cluster\./);
      expect(identityOf(stack, credential.parent_id)).toEqual({ ...annotated, attribute: "id" });
      const grants = Object.values<any>(resources(stack, "azurerm_role_assignment")).filter(
        (g) => JSON.stringify(identityOf(stack, g.principal_id)) === JSON.stringify({ ...annotated, attribute: "principal_id" }),
      );
      expect(grants.map((g) => g.role_definition_name)).toContain("Key Vault Secrets User");
      const runs = [...Object.values<any>(resources(stack, "kubernetes_pod_v1")), ...Object.values<any>(resources(stack, "kubernetes_deployment_v1"))].filter(
        (o) => (o.spec.service_account_name ?? o.spec.template?.spec?.service_account_name) === `\${kubernetes_service_account_v1.${Object.keys(resources(stack, "kubernetes_service_account_v1")).find((k) => resources(stack, "kubernetes_service_account_v1")[k] === account)}.metadata[0].name}`,
      );
      expect(runs.length).toBeGreaterThan(0);
      for (const o of runs) {
        const labels = o.metadata.labels && o.spec.template ? o.spec.template.metadata.labels : o.metadata.labels;
        expect(labels["azure.workload.identity/use"]).toBe("true");
      }
    });
  });
});

describe("environment files", () => {
  test("without any, the app builds the default platform and workload stacks", () => {
    const cwd = process.cwd();
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-noenv-"));
    process.chdir(empty); // no environments/ directory here
    try {
      const out = synthWith({});
      expect(Object.keys(out.stacks).sort()).toEqual(["platform", "workload"]);
      expect(out.stacks.platform.terraform.backend.local.path).toBe("../../../terraform.platform.tfstate");
    } finally {
      process.chdir(cwd);
    }
  });

  test("an ENVIRONMENTS_DIR that does not exist is refused, naming the setting", () => {
    expect(() => buildConfiguredApp(new App(), (n) => (n === "ENVIRONMENTS_DIR" ? "no/such/dir" : undefined))).toThrow(ConfigError);
    expect(() => buildConfiguredApp(new App(), (n) => (n === "ENVIRONMENTS_DIR" ? "no/such/dir" : undefined))).toThrow(/ENVIRONMENTS_DIR "no\/such\/dir" does not exist/);
  });

  test("a misspelled top-level key is refused, naming the file, the line and the key", () => {
    expect(refusal({ "dev.yaml": minimal.replace("resourceGroup: rg-x\n", "resourceGroup: rg-x\nresourceGrup: rg-y\n") })).toMatch(
      /dev\.yaml:3: resourceGrup: unknown key "resourceGrup" \(misspelled\? allowed here: .*resourceGroup/,
    );
  });

  test("a misspelled nested key is refused with its field path", () => {
    expect(refusal({ "dev.yaml": minimal.replace("serviceAccount: frontend", "serviceAcount: frontend") })).toMatch(
      /dev\.yaml:11: teams\[0\]\.workloads\[0\]\.serviceAcount: unknown key "serviceAcount"/,
    );
  });

  test("a YAML syntax error is refused, naming the file and the line", () => {
    expect(refusal({ "stage.yaml": minimal.replace("  name: aks-x", "\tname: aks-x") })).toMatch(/stage\.yaml:4: YAML syntax error: Tabs are not allowed as indentation/);
    expect(refusal({ "stage.yaml": minimal.replace("resourceGroup: rg-x", "resourceGroup: rg: x") })).toMatch(/stage\.yaml:2: YAML syntax error/);
  });

  test("a duplicate key is a syntax error, not a silent override", () => {
    expect(refusal({ "dev.yaml": `${minimal}location: westeurope\n` })).toMatch(/dev\.yaml:\d+: YAML syntax error: .*[Uu]nique/);
  });

  test("a name that breaks a construct rule is refused with the rule", () => {
    expect(refusal({ "dev.yaml": minimal.replace("namespace: web", "namespace: Web") })).toMatch(
      /dev\.yaml:10: teams\[0\]\.workloads\[0\]\.namespace: "Web" .*lowercase/,
    );
  });

  test("a missing required key is refused, naming where it is missing", () => {
    expect(refusal({ "dev.yaml": minimal.replace("vault:\n  name: kv-x-example\n", "") })).toMatch(/dev\.yaml:1: \(top level\): missing required key "vault"/);
  });

  test("an unknown backend is refused with the allowed ones", () => {
    expect(refusal({ "dev.yaml": `${minimal}state:\n  backend: s3\n` })).toMatch(/dev\.yaml:18: state\.backend: must be one of: "local", "azurerm", "cloud"/);
  });

  test("an azurerm backend without its storage account is refused", () => {
    expect(refusal({ "dev.yaml": `${minimal}state:\n  backend: azurerm\n  resourceGroup: rg-state\n  container: tfstate\n` })).toMatch(
      /dev\.yaml:17: state: missing required key "storageAccount"/,
    );
  });

  test("a storage account name Azure would refuse is refused", () => {
    expect(refusal({ "dev.yaml": `${minimal}state:\n  backend: azurerm\n  resourceGroup: rg-state\n  storageAccount: St-State\n  container: tfstate\n` })).toMatch(
      /dev\.yaml:20: state\.storageAccount: "St-State" must be lowercase letters and digits only/,
    );
  });

  test("a file with both teams and workloads is refused", () => {
    expect(refusal({ "dev.yaml": `${minimal}workloads:\n  - namespace: a\n    serviceAccount: b\n` })).toMatch(/give either "teams" .* or "workloads"/);
  });

  test("a sharedIdentity that the environment does not list is refused", () => {
    expect(refusal({ "dev.yaml": minimal.replace("serviceAccount: frontend", "serviceAccount: frontend\n        sharedIdentity: id-nope") })).toMatch(
      /teams\[0\]\.workloads\[0\]\.sharedIdentity: "id-nope" is not one of the environment's identities/,
    );
  });

  test("an identity both own and shared is refused", () => {
    const text = minimal.replace("serviceAccount: frontend", "serviceAccount: frontend\n        identityName: id-a\n        sharedIdentity: id-b").replace("teams:", "identities:\n  - name: id-b\nteams:");
    expect(refusal({ "dev.yaml": text })).toMatch(/give either "identityName" .* or "sharedIdentity"/);
  });

  test("a namespace used by two teams is refused", () => {
    const text = `${minimal}  - name: api\n    workloads:\n      - namespace: web\n        serviceAccount: backend\n`;
    expect(refusal({ "dev.yaml": text })).toMatch(/teams\[1\]\.workloads\[0\]\.namespace: namespace "web" is also used by team "web"; a namespace belongs to one team/);
  });

  test("the same grant to a shared identity from two workloads is refused (the second would fail at apply)", () => {
    const shared = (sa: string) => `      - namespace: web\n        serviceAccount: ${sa}\n        sharedIdentity: id-shared\n        grantScope: vault\n        secrets:\n          - name: s-${sa}\n`;
    const text = minimal.replace("teams:", "identities:\n  - name: id-shared\nteams:") + shared("a") + shared("b");
    expect(refusal({ "dev.yaml": text })).toMatch(
      /teams\[0\]\.workloads\[2\]\.grantScope: shared identity "id-shared" is already granted the vault by teams\[0\]\.workloads\[1\]/,
    );
  });

  test("a team named platform is refused (it would be the platform stack)", () => {
    expect(refusal({ "dev.yaml": minimal.replace("- name: web", "- name: platform") })).toMatch(/teams\[0\]\.name: "platform" is the environment's platform stack/);
  });

  test("an environment file name that cannot name stacks is refused", () => {
    expect(refusal({ "Dev_1.yaml": minimal })).toMatch(/Dev_1\.yaml:1: the file name gives the environment name "Dev_1", which must be lowercase/);
  });

  test("an environment whose name starts with another's and '-' is refused (cdktf deploy 'dev-*' would select both)", () => {
    expect(refusal({ "dev.yaml": minimal, "dev-eu.yaml": minimal })).toMatch(/dev-eu\.yaml:1: environment "dev-eu" starts with environment "dev" and "-"/);
  });

  test("problems of several files are reported together", () => {
    const msg = refusal({ "a.yaml": minimal.replace("location: eastus", "locaton: eastus"), "b.yaml": "x: [" });
    expect(msg).toMatch(/a\.yaml:1: locaton: unknown key/);
    expect(msg).toMatch(/b\.yaml:\d+: YAML syntax error/);
  });

  test("without teams, every namespace gets its own stack", () => {
    const text = minimal.replace(/teams:[\s\S]*$/, "workloads:\n  - namespace: web\n    serviceAccount: a\n  - namespace: api\n    serviceAccount: b\n");
    const out = synthWith({ ENVIRONMENTS_DIR: envDir({ "qa.yaml": text }) });
    expect(Object.keys(out.stacks).sort()).toEqual(["qa-api", "qa-platform", "qa-web"]);
  });

  test("HCP Terraform state gives one named workspace per stack, read back through the remote backend", () => {
    const out = synthWith({ ENVIRONMENTS_DIR: envDir({ "stage.yaml": `${minimal}state:\n  backend: cloud\n  organization: acme\n  workspacePrefix: azwi-\n` }) });
    expect(out.stacks["stage-platform"].terraform.cloud).toEqual({ organization: "acme", workspaces: { name: "azwi-stage-platform" } });
    expect(out.stacks["stage-web"].terraform.cloud.workspaces).toEqual({ name: "azwi-stage-web" });
    const remote = out.stacks["stage-web"].data.terraform_remote_state["cross-stack-reference-input-stage-platform"];
    expect(remote).toMatchObject({ backend: "remote", config: { organization: "acme", workspaces: { name: "azwi-stage-platform" } } });
  });

  test("the example files point editors at the schema that ships in the repository", () => {
    for (const f of ["dev.yaml", "prod.yaml"]) {
      const first = fs.readFileSync(path.join(examples, f), "utf8").split("\n")[0];
      const m = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
      expect(m).not.toBeNull();
      expect(fs.existsSync(path.resolve(examples, m![1]))).toBe(true);
    }
  });
});
