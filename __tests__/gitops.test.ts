/**
 * GitOps manifests: what synth writes and removes, the YAML it writes, and the manifests CLI that
 * fills the templates after deploy.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Token } from "cdktf";
import YAML from "yaml";
import fc from "fast-check";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { FederatedWorkload, GitOpsManifests } from "../lib";
import { POD_RECREATE_ANNOTATIONS } from "../lib/kubernetes/gitops";
import { renderYaml } from "../lib/kubernetes/manifest-files";
import { main as manifestsCli } from "../lib/tools/manifests-cli";

const ISSUER = "https://issuer.example.com/";
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

type WorkloadProps = Partial<ConstructorParameters<typeof FederatedWorkload>[2]>;

/** An app in `outdir` with one stack per entry, each holding one manifests-mode workload with a pod. */
function gitopsApp(outdir: string, stacks: Record<string, WorkloadProps[]>, opts: { skipValidation?: boolean } = {}): App {
  const app = new App({ outdir, skipValidation: opts.skipValidation });
  for (const [name, workloads] of Object.entries(stacks)) {
    const stack = new TerraformStack(app, name);
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    workloads.forEach((props, i) => {
      const w = new FederatedWorkload(stack, `w${i}`, {
        issuer: ISSUER,
        namespace: "apps",
        serviceAccountName: `api${i}`,
        resourceGroupName: "rg",
        location: "eastus",
        kubernetesObjects: "manifests",
        createNamespace: i === 0,
        identityName: `id-${name}-${i}`,
        ...props,
      });
      w.addPod("pod", { name: `pod${i}`, containers: [{ name: "c", image: "mcr.microsoft.com/azure-cli:2.60.0" }] });
    });
  }
  return app;
}

/** Every file below `dir`, relative, sorted. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Captures console.error while `fn` runs. */
function stderrOf(fn: () => number): { code: number; err: string } {
  const lines: string[] = [];
  const spy = jest.spyOn(console, "error").mockImplementation((m: string) => void lines.push(String(m)));
  const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    return { code: fn(), err: lines.join("\n") };
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
}

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

describe("manifestsDirectory is a path inside the stack's synth output", () => {
  test.each(["../../../gitops", "../..", "/tmp/elsewhere", ".", "", "a/../../b", "./manifests", "a//b", ".hidden", "a\\b"])(
    "%j is refused with a message naming the prop",
    (directory) => {
      const outdir = tmp("azwi-gitops-dir-");
      expect(() => gitopsApp(outdir, { s: [{ manifestsDirectory: directory }] }).synth()).toThrow(/FederatedWorkload\.manifestsDirectory/);
    },
  );

  test("a synth pointed at a directory outside its output leaves that directory untouched, even with validations skipped", () => {
    const root = tmp("azwi-gitops-outside-");
    const outdir = path.join(root, "cdktf.out");
    const foreign = path.join(root, "gitops");
    fs.mkdirSync(path.join(foreign, "team-b"), { recursive: true });
    fs.writeFileSync(path.join(foreign, "team-b", "deployment.yaml"), "kind: Deployment\n");
    for (const skipValidation of [false, true]) {
      expect(() => gitopsApp(outdir, { s: [{ manifestsDirectory: "../../../gitops" }] }, { skipValidation }).synth()).toThrow(/manifestsDirectory/);
    }
    expect(tree(foreign)).toEqual(["team-b/deployment.yaml"]);
  });

  test("a directory reached through a symbolic link is refused and the link's target is untouched", () => {
    const root = tmp("azwi-gitops-link-");
    const outdir = path.join(root, "cdktf.out");
    const target = path.join(root, "elsewhere");
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, "keep.yaml"), "x: 1\n");
    fs.mkdirSync(path.join(outdir, "stacks", "s"), { recursive: true });
    fs.symlinkSync(target, path.join(outdir, "stacks", "s", "manifests"));
    expect(() => gitopsApp(outdir, { s: [{}] }).synth()).toThrow(/symbolic link/);
    expect(tree(target)).toEqual(["keep.yaml"]);
  });

  test("synth replaces only the files it recorded: a file someone else put in the directory stays", () => {
    const outdir = tmp("azwi-gitops-own-");
    gitopsApp(outdir, { s: [{}, {}] }).synth();
    const dir = path.join(outdir, "stacks", "s", "manifests");
    fs.writeFileSync(path.join(dir, "kustomization.yaml"), "resources: []\n");
    gitopsApp(outdir, { s: [{}] }).synth();
    expect(tree(dir)).toEqual([
      ".azwi-manifests.json",
      "00-namespace/apps.yaml.tmpl",
      "10-serviceaccount/apps/api0.yaml.tmpl",
      "60-pod/apps/pod0.yaml.tmpl",
      "kustomization.yaml",
    ]);
  });

  test("synth refuses to overwrite a file it did not write", () => {
    const outdir = tmp("azwi-gitops-foreign-");
    const file = path.join(outdir, "stacks", "s", "manifests", "60-pod", "apps", "pod0.yaml.tmpl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "mine\n");
    expect(() => gitopsApp(outdir, { s: [{}] }).synth()).toThrow(/no earlier synth recorded as its own/);
    expect(fs.readFileSync(file, "utf8")).toBe("mine\n");
  });
});

describe("the YAML reads the same to YAML 1.1 and 1.2 readers", () => {
  test("strings that YAML 1.1 reads as booleans or numbers are quoted", () => {
    const text = renderYaml([{ data: { on: "on", off: "off", yes: "yes", n: "n", y: "Y", sep: "1_000", octal: "0o17", sexagesimal: "1:20" } }]);
    for (const version of ["1.1", "1.2"] as const) {
      expect(YAML.parse(text, { version })).toEqual({ data: { on: "on", off: "off", yes: "yes", n: "n", y: "Y", sep: "1_000", octal: "0o17", sexagesimal: "1:20" } });
    }
  });

  test("rendering a placeholder (flow-mapping syntax when plain) prints no YAML warning to the user's synth", () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      const text = renderYaml([{ metadata: { annotations: { "azure.workload.identity/client-id": "{{tf-output:gitops_apps_api_client_id}}" } } }]);
      expect(text).toContain('"{{tf-output:gitops_apps_api_client_id}}"');
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test("any string, as a key or a value, reads back as itself under both versions", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))), (data) => {
        const text = renderYaml([{ data }]);
        for (const version of ["1.1", "1.2"] as const) expect(YAML.parse(text, { version })).toEqual({ data });
      }),
      { numRuns: 300 },
    );
  });
});

describe("placeholders and outputs", () => {
  test("two manifests directories in one stack get distinct output names, each for its own identity", () => {
    const outdir = tmp("azwi-gitops-two-");
    gitopsApp(outdir, {
      s: [
        { manifestsDirectory: "cluster-a", issuer: "https://a.example.com/" },
        { manifestsDirectory: "cluster-b", issuer: "https://b.example.com/", serviceAccountName: "api0", identityName: "id-b", createNamespace: true },
      ],
    }).synth();
    const json = readJson(path.join(outdir, "stacks", "s", "cdk.tf.json"));
    const saOf = (dir: string) => YAML.parse(fs.readFileSync(path.join(outdir, "stacks", "s", dir, "10-serviceaccount", "apps", "api0.yaml.tmpl"), "utf8"));
    const nameIn = (dir: string) => /\{\{tf-output:(\w+)\}\}/.exec(saOf(dir).metadata.annotations["azure.workload.identity/client-id"])![1];
    const [a, b] = [nameIn("cluster-a"), nameIn("cluster-b")];
    expect(a).not.toBe(b);
    expect(json.output[a].value).toMatch(/^\$\{azurerm_user_assigned_identity\.w0_identity_\w+\.client_id\}$/);
    expect(json.output[b].value).toMatch(/^\$\{azurerm_user_assigned_identity\.w1_identity_\w+\.client_id\}$/);
  });

  test("an output of an attribute not known to be harmless is sensitive; a client id is not", () => {
    const outdir = tmp("azwi-gitops-sensitive-");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "s");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    const id = new UserAssignedIdentity(stack, "id", { name: "id", resourceGroupName: "rg", location: "eastus" });
    const m = GitOpsManifests.of(stack);
    m.add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "apps" }, data: { client: id.clientId, location: `${id.location}-x` } }, "c");
    app.synth();
    const outputs = readJson(path.join(outdir, "stacks", "s", "cdk.tf.json")).output;
    expect(outputs.gitops_c_client.sensitive).toBe(false);
    expect(outputs.gitops_c_location.sensitive).toBe(true);
  });

  test.each([
    ["a number", (id: UserAssignedIdentity) => ({ replicas: Token.asNumber(id.clientId) }), /\.data\.replicas is a number known only after apply/],
    ["a list", (id: UserAssignedIdentity) => ({ list: Token.asList(id.clientId) }), /\.data\.list\[0\] is a list known only after apply/],
    ["a map key", (id: UserAssignedIdentity) => ({ [id.clientId]: "x" }), /is a map key known only after apply/],
    ["a map", (id: UserAssignedIdentity) => ({ tags: id.tags }), /\.data\.tags is a map known only after apply/],
  ])("%s known only after apply is refused at synth instead of leaking a token into the YAML", (_, data, message) => {
    const outdir = tmp("azwi-gitops-types-");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "s");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    const id = new UserAssignedIdentity(stack, "id", { name: "id", resourceGroupName: "rg", location: "eastus" });
    GitOpsManifests.of(stack).add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "apps" }, data: data(id) }, "c");
    expect(() => app.synth()).toThrow(message);
  });
});

describe("what GitOps tools do with the files", () => {
  test("a bare pod carries the Argo CD and Flux annotations that re-create it; a deployment does not", () => {
    const outdir = tmp("azwi-gitops-pod-");
    const app = gitopsApp(outdir, { s: [{}] });
    app.synth();
    const dir = path.join(outdir, "stacks", "s", "manifests");
    const pod = YAML.parse(fs.readFileSync(path.join(dir, "60-pod", "apps", "pod0.yaml.tmpl"), "utf8"));
    expect(pod.metadata.annotations).toMatchObject(POD_RECREATE_ANNOTATIONS);
    expect(POD_RECREATE_ANNOTATIONS).toEqual({ "argocd.argoproj.io/sync-options": "Force=true,Replace=true", "kustomize.toolkit.fluxcd.io/force": "enabled" });
  });

  test("a lexical walk of the directory (kubectl apply -R) meets namespaces, then service accounts, then the pods' classes, then pods", () => {
    const outdir = tmp("azwi-gitops-order-");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "s");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    // A namespace whose name sorts before every letter, and objects added in the wrong order.
    const w = new FederatedWorkload(stack, "w", { issuer: ISSUER, namespace: "9pay", serviceAccountName: "zz", resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests", createNamespace: true });
    w.addDeployment("d", { name: "aa", containers: [{ name: "c", image: "mcr.microsoft.com/azure-cli:2.60.0" }] });
    w.addPod("p", { name: "ab", containers: [{ name: "c", image: "mcr.microsoft.com/azure-cli:2.60.0" }] });
    app.synth();
    const dir = path.join(outdir, "stacks", "s", "manifests");
    const walk = (d: string): string[] =>
      fs
        .readdirSync(d, { withFileTypes: true })
        .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
        .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.startsWith(".") ? [] : [path.join(d, e.name)]));
    const kinds = walk(dir).map((f) => YAML.parse(fs.readFileSync(f, "utf8")).kind);
    expect(kinds).toEqual(["Namespace", "ServiceAccount", "Pod", "Deployment"]);
  });

  test("no template has an extension that kubectl apply -R, Argo CD or Flux would read", () => {
    const outdir = tmp("azwi-gitops-ext-");
    gitopsApp(outdir, { s: [{}] }).synth();
    const files = tree(path.join(outdir, "stacks", "s", "manifests")).filter((f) => !f.startsWith("."));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => /\.(ya?ml|json)$/.test(f))).toEqual([]);
  });
});

describe("azwi-manifests", () => {
  /** The app synthesized, the client-id output name of each stack's first workload. */
  function synthesized(stacks: string[]): { outdir: string; outputName: (stack: string) => string; json: (stack: string) => any } {
    const outdir = tmp("azwi-manifests-");
    gitopsApp(outdir, Object.fromEntries(stacks.map((s) => [s, [{}]]))).synth();
    const json = (stack: string) => readJson(path.join(outdir, "stacks", stack, "cdk.tf.json"));
    const outputName = (stack: string) => Object.keys(json(stack).output).find((n) => n.endsWith("_client_id"))!;
    return { outdir, outputName, json };
  }
  const clientIdIn = (out: string, stack: string) =>
    YAML.parse(fs.readFileSync(path.join(out, stack, "manifests", "10-serviceaccount", "apps", "api0.yaml"), "utf8")).metadata.annotations["azure.workload.identity/client-id"];
  const envelope = (value: unknown) => ({ value, type: "string", sensitive: false });
  const GUID_DEV = "11111111-1111-1111-1111-111111111111";
  const GUID_PROD = "22222222-2222-2222-2222-222222222222";

  test("fills each stack from its own part of a cdktf --outputs-file", () => {
    const { outdir, outputName } = synthesized(["dev", "prod"]);
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ dev: { "gitops-manifests": { [outputName("dev")]: GUID_DEV } }, prod: { "gitops-manifests": { [outputName("prod")]: GUID_PROD } } }));
    const out = path.join(outdir, "gitops");
    expect(stderrOf(() => manifestsCli(["--outputs", outputs, "--out", out, outdir])).code).toBe(0);
    expect(clientIdIn(out, "dev")).toBe(GUID_DEV);
    expect(clientIdIn(out, "prod")).toBe(GUID_PROD);
  });

  test("refuses terraform output -json when templates of several stacks would be filled from it, and fills the one named by --stack", () => {
    const { outdir, outputName } = synthesized(["dev", "prod"]);
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ [outputName("dev")]: envelope(GUID_DEV) }));
    const out = path.join(outdir, "gitops");
    const refused = stderrOf(() => manifestsCli(["--outputs", outputs, "--out", out, outdir]));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/terraform output -json` of one stack, but templates of 2 stacks would be filled from it \(dev, prod\); pass --stack/);
    expect(fs.existsSync(out)).toBe(false);
    expect(stderrOf(() => manifestsCli(["--stack", "dev", "--outputs", outputs, "--out", out, outdir])).code).toBe(0);
    expect(clientIdIn(out, "dev")).toBe(GUID_DEV);
    expect(fs.existsSync(path.join(out, "prod"))).toBe(false);
  });

  test.each([
    ["a number", 42, /is 42; it must be a non-empty string/],
    ["an object", { a: 1 }, /is \{"a":1\}; it must be a non-empty string/],
    ["null", null, /is null; it must be a non-empty string/],
    ["an empty string", "", /is ""; it must be a non-empty string/],
  ])("refuses an output value that is %s, naming the output, and writes nothing", (_, value, message) => {
    const { outdir, outputName } = synthesized(["dev"]);
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ [outputName("dev")]: envelope(value) }));
    const out = path.join(outdir, "gitops");
    const { code, err } = stderrOf(() => manifestsCli(["--outputs", outputs, "--out", out, outdir]));
    expect(code).toBe(2);
    expect(err).toContain(`dev: ${outputName("dev")} `);
    expect(err).toMatch(message);
    expect(fs.existsSync(out)).toBe(false);
  });

  test("a sensitive output missing from a cdktf --outputs-file is explained", () => {
    const outdir = tmp("azwi-manifests-sensitive-");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "s");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    const id = new UserAssignedIdentity(stack, "id", { name: "id", resourceGroupName: "rg", location: "eastus" });
    GitOpsManifests.of(stack).add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "apps" }, data: { where: id.location } }, "c");
    app.synth();
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ s: {} }));
    const { code, err } = stderrOf(() => manifestsCli(["--outputs", outputs, "--out", path.join(outdir, "gitops"), outdir]));
    expect(code).toBe(2);
    expect(err).toMatch(/gitops_c_where is missing: it is a sensitive output.*--outputs-file-include-sensitive-outputs/);
  });

  test("reads only the templates synth recorded, not other YAML in the stack directory", () => {
    const { outdir, outputName } = synthesized(["dev"]);
    const stackDir = path.join(outdir, "stacks", "dev");
    fs.mkdirSync(path.join(stackDir, ".terraform", "modules"), { recursive: true });
    fs.writeFileSync(path.join(stackDir, ".terraform", "modules", "x.yaml"), "kind: Secret\n");
    fs.writeFileSync(path.join(stackDir, "manifests", "extra.yaml.tmpl"), "kind: Secret\nmetadata: { name: '{{tf-output:nope}}' }\n");
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ [outputName("dev")]: envelope(GUID_DEV) }));
    const out = path.join(outdir, "gitops");
    expect(stderrOf(() => manifestsCli(["--outputs", outputs, "--out", out, outdir])).code).toBe(0);
    expect(tree(out)).toEqual([
      "dev/manifests/.azwi-manifests.json",
      "dev/manifests/00-namespace/apps.yaml",
      "dev/manifests/10-serviceaccount/apps/api0.yaml",
      "dev/manifests/60-pod/apps/pod0.yaml",
    ]);
  });

  test("a second run removes the files of objects that are gone and keeps files it did not write", () => {
    const outdir = tmp("azwi-manifests-gone-");
    gitopsApp(outdir, { dev: [{}, {}] }).synth();
    const names = Object.keys(readJson(path.join(outdir, "stacks", "dev", "cdk.tf.json")).output);
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify(Object.fromEntries(names.map((n) => [n, envelope(GUID_DEV)]))));
    const out = path.join(outdir, "gitops");
    expect(stderrOf(() => manifestsCli(["--outputs", outputs, "--out", out, outdir])).code).toBe(0);
    expect(tree(out)).toContain("dev/manifests/60-pod/apps/pod1.yaml");
    fs.writeFileSync(path.join(out, "dev", "manifests", "kustomization.yaml"), "resources: []\n");
    gitopsApp(outdir, { dev: [{}] }).synth();
    expect(stderrOf(() => manifestsCli(["--outputs", outputs, "--out", out, outdir])).code).toBe(0);
    expect(tree(out)).toEqual([
      "dev/manifests/.azwi-manifests.json",
      "dev/manifests/00-namespace/apps.yaml",
      "dev/manifests/10-serviceaccount/apps/api0.yaml",
      "dev/manifests/60-pod/apps/pod0.yaml",
      "dev/manifests/kustomization.yaml",
    ]);
  });

  test("refuses to overwrite a file it did not write, before writing any", () => {
    const { outdir, outputName } = synthesized(["dev"]);
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ [outputName("dev")]: envelope(GUID_DEV) }));
    const out = path.join(outdir, "gitops");
    const mine = path.join(out, "dev", "manifests", "60-pod", "apps", "pod0.yaml");
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, "mine\n");
    const { code, err } = stderrOf(() => manifestsCli(["--outputs", outputs, "--out", out, outdir]));
    expect(code).toBe(2);
    expect(err).toMatch(/no earlier run recorded as its own/);
    expect(tree(out)).toEqual(["dev/manifests/60-pod/apps/pod0.yaml"]);
    expect(fs.readFileSync(mine, "utf8")).toBe("mine\n");
  });

  describe("exits 2 with a one-line reason, never a stack trace", () => {
    test.each([
      ["a directory that is not a synth output", (d: string) => ({ synth: path.join(d, "nope") }), /is not a cdktf synth output directory/],
      ["a manifest.json that lists no stacks", (d: string) => (fs.writeFileSync(path.join(d, "manifest.json"), "{}"), {}), /lists no stacks/],
      ["an outputs file that is not JSON", (d: string) => (fs.writeFileSync(path.join(d, "outputs.json"), "{"), {}), /outputs.json: not valid JSON/],
      ["an outputs file of neither format", (d: string) => (fs.writeFileSync(path.join(d, "outputs.json"), '{"x": 1}'), {}), /neither a cdktf deploy --outputs-file .* nor terraform output -json/],
      [
        "a template that is not YAML",
        (d: string) => (fs.writeFileSync(path.join(d, "stacks", "dev", "manifests", "60-pod", "apps", "pod0.yaml.tmpl"), "a: [\n"), {}),
        /pod0\.yaml\.tmpl: not valid YAML/,
      ],
      [
        "an ownership record that names a path outside its directory",
        (d: string) => (fs.writeFileSync(path.join(d, "stacks", "dev", "manifests", ".azwi-manifests.json"), '{"files": ["../../x"]}'), {}),
        /"files" must list relative paths inside the directory/,
      ],
      ["an unknown --stack", () => ({ args: ["--stack", "qa"] }), /--stack "qa": .* has no such stack \(it has dev\)/],
    ])("%s", (_, prepare, message) => {
      const { outdir, outputName } = synthesized(["dev"]);
      const outputs = path.join(outdir, "outputs.json");
      fs.writeFileSync(outputs, JSON.stringify({ [outputName("dev")]: envelope(GUID_DEV) }));
      const { synth = outdir, args = [] } = prepare(outdir) as { synth?: string; args?: string[] };
      const { code, err } = stderrOf(() => manifestsCli([...args, "--outputs", outputs, "--out", path.join(outdir, "gitops"), synth]));
      expect(code).toBe(2);
      expect(err).toMatch(message);
      expect(err).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(path.join(outdir, "gitops"))).toBe(false);
    });
  });

  test("exits 2 when the synth output holds no templates", () => {
    const outdir = tmp("azwi-manifests-none-");
    const app = new App({ outdir });
    new AzurermProvider(new TerraformStack(app, "s"), "azurerm", { features: [{}] });
    app.synth();
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, "{}");
    const { code, err } = stderrOf(() => manifestsCli(["--outputs", outputs, "--out", path.join(outdir, "gitops"), outdir]));
    expect(code).toBe(2);
    expect(err).toMatch(/no GitOps templates/);
  });
});
