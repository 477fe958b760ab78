/**
 * Configuration is data, never Terraform code. Each setting, from the environment and
 * from cdktf context, is fed `${file("/etc/hostname")}` and `%{ if true }x%{ endif }`: it is
 * refused naming the setting, or the synthesized files hold no live template carrying the payload.
 */
import * as fs from "fs";
import * as path from "path";
import { App, Fn, TerraformOutput, TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { handWrittenTemplates, templateSequences, terraformLiteral } from "../lib/guardrails/checks";
import { buildApp, ConfigError, loadConfig } from "../stacks";
import { isShaped, parseSetting, Setting, SETTINGS } from "../stacks/config";
import { defaultConfig } from "./support/helpers";
import {
  injectedTemplates,
  liveTemplatesIn,
  PAYLOADS,
  readTemplateLiteral,
  synthesizedFiles,
  synthLikeMain,
  tempOutdir,
} from "./support/live-templates";

/** The decision, setting by setting. A new setting fails here until it is classified. */
const CLASSIFICATION: Record<string, Setting["kind"]> = {
  RG_NAME: "name",
  LOCATION: "region",
  AKS_NAME: "name",
  AKS_NODE_COUNT: "integer",
  AKS_NODE_VM_SIZE: "pattern",
  SERVICE_ACCOUNT_NAMESPACE: "name",
  SERVICE_ACCOUNT_NAME: "name",
  USER_ASSIGNED_IDENTITY_NAME: "name",
  FEDERATED_IDENTITY_CREDENTIAL_NAME: "name",
  KEYVAULT_NAME: "name",
  KEYVAULT_SECRET_NAME: "name",
  KEYVAULT_PERMISSION_MODEL: "choice",
  KEYVAULT_GRANT_SCOPE: "choice",
  K8S_AUTH: "choice",
  KUBELOGIN_MODE: "choice",
  KUBELOGIN_ENV: "choice",
  AKS_LOCAL_ACCOUNTS: "choice",
  AKS_SECRETS_STORE_CSI: "choice",
  FIC_PROPAGATION_SECONDS: "integer",
  ARM_SUBSCRIPTION_ID: "pattern",
  AZURE_ADDITIONAL_REGIONS: "regions",
  UNSUPPORTED_FIC_REGIONS: "regions",
  KUBERNETES_OBJECTS: "choice",
  STACK_LAYOUT: "choice",
};

type Outcome = { refused: string[] } | { synthesized: string };

/** Loads and synthesizes like main.ts with `value` for `name` from the environment or context. */
function feed(name: string, value: string, source: "environment" | "context"): Outcome {
  try {
    return { synthesized: source === "environment" ? synthLikeMain({ [name]: value }) : synthLikeMain({}, { [name]: value }) };
  } catch (e) {
    if (e instanceof ConfigError) return { refused: [...e.problems] };
    throw e;
  }
}

describe("settings are classified in one place", () => {
  test("every setting has the kind decided for it", () => {
    expect(Object.fromEntries(SETTINGS.map((s) => [s.name, s.kind]))).toEqual(CLASSIFICATION);
  });

  test("every setting is shaped today: none is free text", () => {
    expect(SETTINGS.filter((s) => !isShaped(s)).map((s) => s.name)).toEqual([]);
  });

  test("each setting's default parses", () => {
    for (const s of SETTINGS.filter((x) => x.default !== undefined)) expect(parseSetting(s, s.default!)).toHaveProperty("value");
  });
});

describe("the new shapes", () => {
  const problem = (name: string, text: string) => {
    const parsed = parseSetting(SETTINGS.find((s) => s.name === name)!, text);
    return "problem" in parsed ? parsed.problem : undefined;
  };

  test("ARM_SUBSCRIPTION_ID must be a GUID", () => {
    expect(problem("ARM_SUBSCRIPTION_ID", "0b1f6471-1bf0-4dda-aec3-cb9272f09590")).toBeUndefined();
    expect(problem("ARM_SUBSCRIPTION_ID", "0B1F6471-1BF0-4DDA-AEC3-CB9272F09590")).toBeUndefined();
    expect(problem("ARM_SUBSCRIPTION_ID", "my-subscription")).toBe('ARM_SUBSCRIPTION_ID "my-subscription" must be a GUID (subscription id), e.g. 00000000-0000-0000-0000-000000000000');
  });

  test.each(["Standard_D2s_v3", "Standard_B2ms", "Standard_NC24ads_A100_v4", "Standard_DS13-4_v2", "Standard_M416-208s_v2", "Standard_D4pds_v6"])(
    "AKS_NODE_VM_SIZE accepts %s",
    (size) => expect(problem("AKS_NODE_VM_SIZE", size)).toBeUndefined(),
  );

  test.each(["D2s_v3", "standard_d2s_v3", "Standard_", "Standard D2s v3", "Standard_D2s_v3 ", "Basic_A1"])("AKS_NODE_VM_SIZE refuses %j", (size) => {
    expect(problem("AKS_NODE_VM_SIZE", size)).toMatch(/^AKS_NODE_VM_SIZE ".*" must be .*(VM size|characters long)/);
  });

  test("LOCATION must be a region name before it is looked up; a display name still works", () => {
    expect(problem("LOCATION", "East US")).toBeUndefined();
    expect(loadConfig((n) => ({ LOCATION: "East US" })[n]).location).toBe("East US");
    expect(problem("LOCATION", "east-us")).toMatch(/^LOCATION "east-us" must be a region name/);
  });

  test("region lists are lists of region names, naming the setting and the entry", () => {
    expect(loadConfig((n) => ({ AZURE_ADDITIONAL_REGIONS: "marsnorth, Mars South" })[n]).additionalRegions).toEqual(["marsnorth", "marssouth"]);
    expect(problem("AZURE_ADDITIONAL_REGIONS", "marsnorth,mars_south")).toMatch(/^AZURE_ADDITIONAL_REGIONS "marsnorth,mars_south" has the entry "mars_south", which must be a region name/);
    expect(problem("UNSUPPORTED_FIC_REGIONS", '${file("x")}')).toMatch(/^UNSUPPORTED_FIC_REGIONS .* has the entry/);
  });

  test("the issue's example: a region added by setting cannot make a template a LOCATION", () => {
    const payload = '${file("/etc/hostname")}';
    expect(() => loadConfig((n) => ({ LOCATION: payload, AZURE_ADDITIONAL_REGIONS: payload })[n])).toThrow(ConfigError);
  });
});

describe.each(SETTINGS.map((s) => [s.name, s] as const))("%s", (name, setting) => {
  test.each(PAYLOADS.flatMap((p) => (["environment", "context"] as const).map((source) => [p, source] as const)))(
    "refuses %j from the %s, naming the setting (or synthesizes it inert)",
    (payload, source) => {
      const outcome = feed(name, payload, source);
      if ("refused" in outcome) {
        expect(outcome.refused.some((p) => p.startsWith(`${name} `))).toBe(true);
      } else {
        expect(injectedTemplates(outcome.synthesized)).toEqual([]);
      }
      // Shaped settings are refused; free text would be synthesized, escaped.
      expect("refused" in outcome).toBe(isShaped(setting));
    },
  );
});

describe("the no-live-template check", () => {
  test("the default app: cdktf's own references are live, none carries a payload", () => {
    const variants: Record<string, string>[] = [{}, { KUBERNETES_OBJECTS: "manifests" }, { STACK_LAYOUT: "single-stack" }];
    for (const env of variants) {
      const outdir = synthLikeMain(env);
      expect(liveTemplatesIn(outdir).length).toBeGreaterThan(0);
      expect(injectedTemplates(outdir)).toEqual([]);
    }
  });

  test("it reads the YAML manifests too", () => {
    const outdir = synthLikeMain({ KUBERNETES_OBJECTS: "manifests" });
    expect(synthesizedFiles(outdir).filter((f) => f.endsWith(".yaml.tmpl")).length).toBeGreaterThan(0);
    const file = path.join(outdir, "stacks", "workload", "manifests", "30-configmap", "default", "x.yaml.tmpl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata:\n  a: "${file(\\"/etc/hostname\\")}"\n  b: "$${file(\\"/etc/hostname\\")}"\n');
    expect(injectedTemplates(outdir).map((t) => [t.file, t.at])).toEqual([["stacks/workload/manifests/30-configmap/default/x.yaml.tmpl", "$.data.a"]]);
  });

  test("it finds the hole when a payload bypasses loadConfig (both providers' subscription_id), and the construct refuses it in vm_size", () => {
    const payload = PAYLOADS[0];
    const outdir = tempOutdir();
    const app = new App({ outdir });
    buildApp(app, { ...defaultConfig(), subscriptionId: payload });
    app.synth();
    const found = injectedTemplates(outdir).map((t) => `${t.file} ${t.at.replace(/\.[^.]+$/, "")} ${t.at.split(".").pop()}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stacks\/platform\/cdk\.tf\.json \$\.provider\.azurerm\[0\] subscription_id$/),
        expect.stringMatching(/^stacks\/workload\/cdk\.tf\.json \$\.provider\.azurerm\[0\] subscription_id$/),
      ]),
    );
    const refused = new App({ outdir: tempOutdir() });
    buildApp(refused, { ...defaultConfig(), aksNodeVmSize: payload });
    expect(() => refused.synth()).toThrow(/AksWithOidc\.systemNodePool\.vmSize .* must be a VM size/);
  });

  test("keys are scanned: Terraform reads object keys as templates as well", () => {
    const outdir = tempOutdir();
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "s");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new ResourceGroup(stack, "rg", { name: "rg", location: "eastus", tags: { [PAYLOADS[0]]: "v" } });
    app.synth();
    expect(injectedTemplates(outdir).map((t) => t.at)).toEqual(["$.resource.azurerm_resource_group.rg.tags.${file(\"/etc/hostname\")} (key)"]);
  });
});

describe("templateSequences reads strings as Terraform does", () => {
  test.each([
    ["plain", []],
    ["${a}", ["${a}"]],
    ["x ${a.b[0]} y %{ if c }z%{ endif }", ["${a.b[0]}", "%{ if c }", "%{ endif }"]],
    ["$${a}", []],
    ["%%{ if true }", []],
    ["$$${a}", []],
    ["$$$${a}", []],
    ["$%{a}", ["%{a}"]],
    ["%${a}", ["${a}"]],
    ['${ "}" }', ['${ "}" }']],
    ["${ {a = 1} }", ["${ {a = 1} }"]],
    ["${unterminated", ["${unterminated"]],
    ["$", []],
    ["{}", []],
  ])("%j", (text, expected) => {
    expect(templateSequences(text).map((s) => s.text)).toEqual(expected);
  });

  test("the scanner and the literal reader agree on the escapes", () => {
    expect(readTemplateLiteral("$${a} %%{b} $$$${c}")).toBe("${a} %{b} $$${c}");
    expect(readTemplateLiteral("${a}")).toBeUndefined();
  });
});

describe("terraformLiteral", () => {
  test.each([
    ['${file("/etc/hostname")}', '$${file("/etc/hostname")}'],
    ["%{ if true }x%{ endif }", "%%{ if true }x%%{ endif }"],
    ["$${already}", "$$${already}"],
    ["cost: $5, 100%", "cost: $5, 100%"],
    ["", ""],
  ])("%j → %j, read back as the original", (text, escaped) => {
    expect(terraformLiteral(text)).toBe(escaped);
    expect(templateSequences(escaped)).toEqual([]);
    expect(readTemplateLiteral(escaped)).toBe(text);
  });

  test("cdktf writes the escaped text as is", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new TerraformOutput(stack, "o", { value: terraformLiteral('${file("/etc/hostname")} %{ if true }') });
    expect(JSON.parse(Testing.synth(stack)).output.o.value).toBe('$${file("/etc/hostname")} %%{ if true }');
  });

  test("why not Fn.rawString: it leaves %{ live and adds backslashes a plain string keeps", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new TerraformOutput(stack, "o", { value: Fn.rawString('a"b %{ if true }x%{ endif }') });
    const written = JSON.parse(Testing.synth(stack)).output.o.value as string;
    expect(written).toBe('a\\"b %{ if true }x%{ endif }');
    expect(templateSequences(written).map((s) => s.text)).toEqual(["%{ if true }", "%{ endif }"]);
  });

  test("handWrittenTemplates ignores cdktf token markers and sees typed templates", () => {
    const token = Fn.upper("x");
    expect(handWrittenTemplates(`${token}/suffix`)).toEqual([]);
    expect(handWrittenTemplates(`$${token}`)).toEqual([]);
    expect(handWrittenTemplates("${azurerm_user_assigned_identity.x.principal_id}").map((s) => s.text)).toEqual(["${azurerm_user_assigned_identity.x.principal_id}"]);
    expect(handWrittenTemplates(terraformLiteral("${x}"))).toEqual([]);
  });
});

describe("free text (none of the app's settings today; environment files will have some)", () => {
  const note: Setting = { name: "TEAM_NOTE", field: "aksName", default: undefined, description: "a free-text note", kind: "free-text", maxLength: 200 };

  test("is escaped, and reads back as given", () => {
    const parsed = parseSetting(note, PAYLOADS.join(" "));
    expect(parsed).toEqual({ value: '$${file("/etc/hostname")} %%{ if true }x%%{ endif }' });
    expect(readTemplateLiteral((parsed as { value: string }).value)).toBe(PAYLOADS.join(" "));
  });

  test.each([
    ["a cdktf token marker", "x ${TfToken[TOKEN.0]} y", /TEAM_NOTE ".*" must not contain a cdktf token marker/],
    ["a list token marker", "#{TfToken[TOKEN.3]}", /must not contain a cdktf token marker/],
    ["a manifests placeholder", "{{tf-output:gitops_default_sa_client_id}}", /must not contain a manifests placeholder/],
    ["too much text", "x".repeat(201), /TEAM_NOTE ".*" must be at most 200 characters long \(is 201\)/],
  ])("refuses %s, naming the setting", (_what, text, message) => {
    const parsed = parseSetting(note, text);
    expect("problem" in parsed && parsed.problem).toMatch(message);
  });
});
