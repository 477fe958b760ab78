/**
 * Environment files fail closed: each file below is written to disk and loaded as main.ts loads it.
 * Every refusal names the file and the line (and the field), no input ends in a stack trace, and two
 * files that would create one real-world object or share one state are refused naming both.
 */
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { firstProblem, imageReference } from "../lib/guardrails/rules";
import { environmentYaml, envDir, refusedWith, runEnvironments, shown } from "./support/environment-files";

const good = environmentYaml();

describe("reading", () => {
  test("a file that is not valid UTF-8 is refused at the line of the bad byte", () => {
    const bytes = Buffer.concat([Buffer.from("location: eastus\nresourceGroup: rg-"), Buffer.from([0xff, 0xfe]), Buffer.from("x\n")]);
    const { dir, problems } = refusedWith({ "dev.yaml": bytes });
    expect(problems).toEqual([`${shown(dir, "dev.yaml")}:2: is not valid UTF-8; save the file as UTF-8`]);
  });

  test("an unknown YAML tag (!env) is refused, not read as a string", () => {
    const { dir, problems } = refusedWith({ "dev.yaml": good.replace("resourceGroup: rg-x", "resourceGroup: !env RG") });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${shown(dir, "dev.yaml")}:2: YAML tag !env is not read`))]);
  });

  test("a standard tag (!!binary) is refused too: tags are not data", () => {
    const { problems } = refusedWith({ "dev.yaml": good.replace("resourceGroup: rg-x", "resourceGroup: !!binary aGVsbG8=") });
    expect(problems.join("\n")).toMatch(/dev\.yaml:2: YAML tag !!binary is not read/);
  });

  test("a %YAML 1.1 directive (yes/no booleans, other tags) is refused", () => {
    const { problems } = refusedWith({ "dev.yaml": `%YAML 1.1\n---\n${good}` });
    expect(problems.join("\n")).toMatch(/dev\.yaml:1: YAML directives/);
  });

  test("an alias bomb is refused at the first alias, without expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [i, name] of ["b", "c", "d", "e", "f", "g", "h"].entries()) {
      const prev = String.fromCharCode("a".charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const { dir, problems } = refusedWith({ "dev.yaml": levels.join("\n") + "\n" });
    expect(problems).toEqual([`${shown(dir, "dev.yaml")}:2: YAML alias: Excessive alias count indicates a resource exhaustion attack`]);
  });

  test("an alias to an anchor that does not exist is refused at its line", () => {
    const { dir, problems } = refusedWith({ "dev.yaml": good.replace("resourceGroup: rg-x", "resourceGroup: *nowhere") });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${shown(dir, "dev.yaml")}:2: YAML alias: Unresolved alias`))]);
  });

  test("an alias to an anchor is read as the anchored data", () => {
    const dir = envDir({ "dev.yaml": good.replace("image: ghcr.io/org/web:1.0\n", "image: &img ghcr.io/org/web:1.0\n          - name: web-pod-2\n            image: *img\n") });
    expect(runEnvironments(dir)).toHaveProperty("outdir");
  });

  test("a map key that is not a plain name is refused", () => {
    const { problems } = refusedWith({ "dev.yaml": `${good}? [a, b]\n: x\n` });
    expect(problems.join("\n")).toMatch(/dev\.yaml:\d+: a map key must be a plain name/);
  });

  test("two documents in one file are refused", () => {
    const { problems } = refusedWith({ "dev.yaml": `${good}---\n${good}` });
    expect(problems.join("\n")).toMatch(/dev\.yaml:\d+: YAML syntax error: Source contains multiple documents/);
  });

  test("a directory named x.yaml is refused, naming it", () => {
    const dir = envDir({ "dev.yaml": good });
    fs.mkdirSync(path.join(dir, "x.yaml"));
    const outcome = runEnvironments(dir);
    expect(outcome).toEqual({ refused: [expect.stringMatching(new RegExp(`^${shown(dir, "x.yaml")}:1: is a directory`))] });
  });

  test("a file that cannot be read (a link to nothing) is refused with the reason", () => {
    const dir = envDir({ "dev.yaml": good });
    fs.symlinkSync(path.join(dir, "missing"), path.join(dir, "gone.yaml"));
    expect(runEnvironments(dir)).toEqual({ refused: [`${shown(dir, "gone.yaml")}:1: cannot be read (ENOENT)`] });
  });

  test("a named pipe is refused without reading it (reading would wait forever)", () => {
    const dir = envDir({ "dev.yaml": good });
    execFileSync("mkfifo", [path.join(dir, "pipe.yaml")]);
    expect(runEnvironments(dir)).toEqual({ refused: [expect.stringMatching(/pipe\.yaml:1: is not a regular file/)] });
  });

  test("an extension in capitals (prod.YAML) is read, not skipped", () => {
    const dir = envDir({ "prod.YAML": good });
    const outcome = runEnvironments(dir);
    expect(outcome).toHaveProperty("outdir");
    const manifest = JSON.parse(fs.readFileSync(path.join((outcome as { outdir: string }).outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(["prod-platform", "prod-web"]);
  });

  test("prod.yaml and prod.YAML are one environment twice, and refused", () => {
    const { problems } = refusedWith({ "prod.yaml": good, "prod.YAML": good });
    expect(problems.join("\n")).toMatch(/prod\.yaml:1: environment "prod" is also defined by .*prod\.YAML/);
  });
});

describe("state key prefixes", () => {
  const withPrefix = (prefix: string) =>
    environmentYaml({ top: `state:\n  backend: azurerm\n  resourceGroup: rg-tf\n  storageAccount: sttf\n  container: tfstate\n  keyPrefix: "${prefix}"` });

  test.each([
    ["a '..' segment", "azwi/../prod", "must not contain '..'"],
    ["'..' inside a segment", "azwi/a..b", "must not contain '..'"],
    ["an empty segment", "azwi//prod", "none empty"],
    ["a leading '/'", "/azwi", "none empty"],
    ["a segment ending in '.'", "azwi./prod", "none ending in '.'"],
    ["a '.' segment", "azwi/./prod", "none ending in '.'"],
  ])("%s is refused at the key's line", (_what, prefix, why) => {
    const { dir, problems } = refusedWith({ "dev.yaml": withPrefix(prefix) });
    expect(problems).toEqual([expect.stringContaining(`${shown(dir, "dev.yaml")}:8: state.keyPrefix: ${JSON.stringify(prefix)} must`)]);
    expect(problems[0]).toContain(why);
  });

  test("path segments with dots inside are kept", () => {
    expect(runEnvironments(envDir({ "dev.yaml": withPrefix("azwi/v1.2/prod") }))).toHaveProperty("outdir");
  });
});

describe("image references follow the distribution reference grammar", () => {
  test.each(["nginx", "ghcr.io/org/app:1.2.3", "localhost:5000/a/b:latest", "myregistry.azurecr.io/team/app@sha256:" + "a".repeat(64), "a__b", "a--b/c.d:Tag_1"])(
    "%s is an image reference",
    (image) => expect(firstProblem(image, imageReference)).toBeUndefined(),
  );

  test.each(["Nginx", "ghcr.io/Org/app", "app:-1", "a___b", "app:" + "t".repeat(129), "app@sha256:abc", "x:y:z", '${file("/etc/hostname")}', "%{if true}x%{endif}"])(
    "%s is refused",
    (image) => expect(firstProblem(image, imageReference)).toMatch(/must be an image reference/),
  );

  test("a name (registry and repository) over 255 characters is refused", () => {
    expect(firstProblem(`r.io/${"a".repeat(250)}`, imageReference)).toBeUndefined(); // 255: the limit itself
    expect(firstProblem(`r.io/${"a".repeat(251)}`, imageReference)).toBe("must have a name (registry and repository) of at most 255 characters (is 256)");
  });
});

describe("problems the constructs find are reported at the entry's file and line", () => {
  test("two pods with one name in one workload: the second pod's line", () => {
    const text = good.replace("          - name: web-pod\n", "          - name: web-pod\n            image: ghcr.io/org/web:1.0\n          - name: web-pod\n");
    const { dir, problems } = refusedWith({ "dev.yaml": text });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${shown(dir, "dev.yaml")}:18: teams\\[0\\]\\.workloads\\[0\\]\\.pods\\[1\\]\\.name: .*pod-web-pod`))]);
  });

  test("an identity two teams create in the environment's resource group: the second entry, naming the first", () => {
    const text = `${good.replace("serviceAccount: frontend", "serviceAccount: frontend\n        identityName: id-shared-name")}  - name: api
    workloads:
      - namespace: api
        serviceAccount: backend
        identityName: id-shared-name
`;
    const { dir, problems } = refusedWith({ "dev.yaml": text });
    const file = shown(dir, "dev.yaml");
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`^${file}:23: teams\\[1\\]\\.workloads\\[0\\]\\.identityName: .*user-assigned identity .*id-shared-name.* already created by dev-web/\\S+ \\(${file}:13: teams\\[0\\]\\.workloads\\[0\\]\\.identityName\\)`)),
    );
  });
});

describe("two files that create one real-world object are refused, naming both files and lines", () => {
  /** The problem that names `b.yaml` at `bLine` first and `a.yaml` at `aLine` second. */
  function collision(a: string, b: string, bWhere: string, aWhere: string, what: RegExp): void {
    const { dir, problems } = refusedWith({ "a.yaml": a, "b.yaml": b });
    const both = problems.filter((p) => p.startsWith(`${shown(dir, "b.yaml")}:${bWhere}: `) && p.includes(`(${shown(dir, "a.yaml")}:${aWhere})`));
    expect(both).toEqual([expect.stringMatching(what)]);
  }

  test("one vault name (vault names are global)", () => {
    collision(environmentYaml({ rg: "rg-a", cluster: "  name: aks-a", vault: "  name: kv-same" }), environmentYaml({ rg: "rg-b", cluster: "  name: aks-b", vault: "  name: kv-same" }), "7: vault.name", "7: vault.name", /Key Vault \(name "kv-same"\)/);
  });

  test("one resource group", () => {
    collision(environmentYaml({ rg: "rg-same", cluster: "  name: aks-a", vault: "  name: kv-a-1" }), environmentYaml({ rg: "rg-same", cluster: "  name: aks-b", vault: "  name: kv-b-1" }), "2: resourceGroup", "2: resourceGroup", /resource group \(name "rg-same"\)/);
  });

  test("one new secret in a vault both read as existing", () => {
    const shared = "  existing: true\n  name: kv-shared\n  resourceGroup: rg-s";
    collision(
      environmentYaml({ rg: "rg-a", cluster: "  name: aks-a", vault: shared }),
      environmentYaml({ rg: "rg-b", cluster: "  name: aks-b", vault: shared }),
      "16: teams[0].workloads[0].secrets[0].name",
      "16: teams[0].workloads[0].secrets[0].name",
      /Key Vault secret .*kv-shared.*web-secret/,
    );
  });

  test("one new secret in a vault one file creates and the other reads as existing", () => {
    collision(
      environmentYaml({ rg: "rg-a", cluster: "  name: aks-a", vault: "  name: kv-shared" }),
      environmentYaml({ rg: "rg-b", cluster: "  name: aks-b", vault: "  existing: true\n  name: kv-shared\n  resourceGroup: rg-a" }),
      "16: teams[0].workloads[0].secrets[0].name",
      "14: teams[0].workloads[0].secrets[0].name",
      /Key Vault secret .*kv-shared.*web-secret/,
    );
  });

  const sharedCluster = "  existing: true\n  name: aks-shared\n  resourceGroup: rg-s";

  test("one namespace on a shared cluster", () => {
    collision(
      environmentYaml({ rg: "rg-a", vault: "  name: kv-a-1", cluster: sharedCluster }),
      environmentYaml({ rg: "rg-b", vault: "  name: kv-b-1", cluster: sharedCluster }),
      "13: teams[0].workloads[0].namespace",
      "13: teams[0].workloads[0].namespace",
      /Kubernetes Namespace web on cluster rg-s\/aks-shared/,
    );
  });

  test("one service account on a shared cluster (in a namespace neither creates)", () => {
    collision(
      environmentYaml({ rg: "rg-a", vault: "  name: kv-a-1", cluster: sharedCluster, createNamespace: false }),
      environmentYaml({ rg: "rg-b", vault: "  name: kv-b-1", cluster: sharedCluster, createNamespace: false }),
      "14: teams[0].workloads[0].serviceAccount",
      "14: teams[0].workloads[0].serviceAccount",
      /Kubernetes ServiceAccount web\/frontend on cluster rg-s\/aks-shared/,
    );
  });

  test("a cluster one file creates and the other uses as existing: one namespace on it", () => {
    collision(
      environmentYaml({ rg: "rg-s", vault: "  name: kv-a-1", cluster: "  name: aks-shared" }),
      environmentYaml({ rg: "rg-b", vault: "  name: kv-b-1", cluster: sharedCluster, top: "createResourceGroup: false" }),
      "13: teams[0].workloads[0].namespace",
      "11: teams[0].workloads[0].namespace",
      /Kubernetes Namespace web on cluster rg-s\/aks-shared/,
    );
  });

  test("one identity in a shared resource group", () => {
    const top = "createResourceGroup: false";
    collision(
      environmentYaml({ rg: "rg-s", vault: "  name: kv-a-1", cluster: "  name: aks-a", top, identityName: "id-same" }),
      environmentYaml({ rg: "rg-s", vault: "  name: kv-b-1", cluster: "  name: aks-b", top, identityName: "id-same" }),
      "13: teams[0].workloads[0].identityName",
      "13: teams[0].workloads[0].identityName",
      /user-assigned identity \(resource_group_name "rg-s", name "id-same"\)/,
    );
  });

  test("one HCP Terraform workspace (workspace prefixes that meet)", () => {
    const cloud = (prefix: string) => `state:\n  backend: cloud\n  organization: org${prefix ? `\n  workspacePrefix: ${prefix}` : ""}`;
    const { dir, problems } = refusedWith({
      "dev.yaml": environmentYaml({ rg: "rg-a", vault: "  name: kv-a-1", cluster: "  name: aks-a", top: cloud("") }),
      "v.yaml": environmentYaml({ rg: "rg-b", vault: "  name: kv-b-1", cluster: "  name: aks-b", top: cloud("de") }),
    });
    expect(problems).toEqual(
      ["platform", "web"].map(
        (s) =>
          `${shown(dir, "v.yaml")}:3: state: stack v-${s} keeps its state in HCP Terraform workspace app.terraform.io/org/dev-${s}, as stack dev-${s} of ${shown(dir, "dev.yaml")}:3: state does; two stacks sharing a state overwrite each other: change the prefix`,
      ),
    );
  });
});

describe("no input ends in a stack trace", () => {
  test.each([
    ["an empty file", ""],
    ["a scalar", "just text\n"],
    ["a list", "- a\n- b\n"],
    ["a null document", "~\n"],
    ["deep nesting", `${"[".repeat(2000)}${"]".repeat(2000)}\n`],
    ["a tab indentation", "location: eastus\n\tresourceGroup: x\n"],
    ["a duplicate key", `${good}location: westus\n`],
    ["a number where a name goes", good.replace("resourceGroup: rg-x", "resourceGroup: 12")],
    ["a BOM and CRLF line ends", `\ufeff${good.replace(/\n/g, "\r\n")}`],
  ])("%s is refused or read, as data", (_what, text) => {
    const outcome = runEnvironments(envDir({ "dev.yaml": text }));
    if ("refused" in outcome) for (const p of outcome.refused) expect(p).toMatch(/^\S*dev\.yaml:\d+: /);
  });
});
