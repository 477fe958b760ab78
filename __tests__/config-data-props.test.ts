/**
 * Property-based: arbitrary text from configuration never becomes a live Terraform
 * template and never breaks the JSON or the YAML. No setting is free text today, so the free-text
 * properties run against the escaping (terraformLiteral, through parseSetting) and every shaped
 * setting is fed arbitrary text: refused, or accepted with nothing a template could be made of.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as fc from "fast-check";
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { GitOpsManifests } from "../lib/kubernetes/gitops";
import { templateSequences, terraformLiteral } from "../lib/guardrails/checks";
import { ConfigError, environmentThenContext, loadConfig } from "../stacks";
import { isShaped, parseSetting, Setting, SETTINGS } from "../stacks/config";
import { injectedTemplates, liveTemplatesIn, parseSynthesized, readTemplateLiteral, synthesizedFiles, synthLikeMain, tempOutdir } from "./support/live-templates";

/** Pieces that make templates, escapes, near-escapes and things JSON and YAML must quote. */
const FRAGMENTS = [
  "$", "%", "{", "}", "${", "%{", "$${", "%%{", "$$", "%%", "~", "}}", "{{", "file(", '"/etc/hostname"', ")",
  " if true ", " endif ", "else", "var.x", "TfToken[", "]", '"', "'", "\\", "\n", "\r\n", "\t", ":", "- ", "#", "&", "*",
  "!", "|", ">", "---", "...", "null", "true", "0x1F", "é", "e\u0301", "\u0000", "\u2028", "🙂", "Standard_D2s_v3", "eastus", ",",
];
const templatish = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 24 }).map((parts) => parts.join(""));
/** Any text: template-heavy most of the time, otherwise any code points (lone surrogates included). */
const anyText = fc.oneof({ arbitrary: templatish, weight: 3 }, { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 1 }, { arbitrary: fc.string(), weight: 1 });

/** A free-text setting such as environment files will have (no app setting is free text today). */
const FREE_TEXT: Setting = { name: "TEAM_NOTE", field: "aksName", default: undefined, description: "free text", kind: "free-text" };

/** Every string in a value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe("terraformLiteral, on any text", () => {
  test("leaves no live template and reads back as the original", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const escaped = terraformLiteral(text);
        expect(templateSequences(escaped)).toEqual([]);
        expect(readTemplateLiteral(escaped)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  test("free text through parseSetting is escaped, or refused naming the setting (cdktf markers, manifests placeholders)", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseSetting(FREE_TEXT, text);
        if ("problem" in parsed) {
          expect(parsed.problem.startsWith("TEAM_NOTE ")).toBe(true);
          expect(/[$#&]\{TfToken\[|\{\{tf-output:|^.{1025,}$/s.test(text)).toBe(true);
        } else {
          expect(parsed.value).toBe(terraformLiteral(text));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("free text in synthesized files", () => {
  /** One stack with the value in a tag (value and key), an output description and a GitOps manifest. */
  function synthFreeText(value: string): string {
    const outdir = tempOutdir("azwi-props-");
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "s");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new ResourceGroup(stack, "rg", { name: "rg", location: "eastus", tags: { note: value, [`k-${value}`]: "v" } });
    new TerraformOutput(stack, "o", { value: "x", description: value });
    GitOpsManifests.of(stack).add(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "note", namespace: "default", annotations: { note: value } }, data: { note: value } },
      "note",
    );
    app.synth();
    return outdir;
  }

  test("never produce a live template and never break the JSON or the YAML (the value survives both)", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseSetting(FREE_TEXT, text);
        fc.pre("value" in parsed);
        const value = (parsed as { value: string }).value;
        const outdir = synthFreeText(value);
        expect(liveTemplatesIn(outdir)).toEqual([]);
        const files = synthesizedFiles(outdir);
        const [json] = parseSynthesized(outdir, "stacks/s/cdk.tf.json") as any[];
        expect(json.resource.azurerm_resource_group.rg.tags.note).toBe(value);
        expect(json.resource.azurerm_resource_group.rg.tags[`k-${value}`]).toBe("v");
        expect(json.output.o.description).toBe(value);
        const yaml = files.find((f) => f.endsWith(".yaml.tmpl"))!;
        const [doc] = parseSynthesized(outdir, yaml) as any[];
        expect(doc.data.note).toBe(value);
        expect(doc.metadata.annotations.note).toBe(value);
        fs.rmSync(outdir, { recursive: true, force: true });
      }),
      { numRuns: 25 },
    );
  });

  test("every free-text setting of the app, through the whole app (none today: the list is checked to be empty)", () => {
    const freeText = SETTINGS.filter((s) => !isShaped(s));
    expect(freeText.map((s) => s.name)).toEqual([]);
    for (const s of freeText) {
      fc.assert(
        fc.property(anyText, (text) => {
          let outdir: string;
          try {
            outdir = synthLikeMain({ [s.name]: text });
          } catch (e) {
            if (e instanceof ConfigError) return expect(e.problems.some((p) => p.startsWith(`${s.name} `))).toBe(true);
            throw e;
          }
          expect(injectedTemplates(outdir, [text])).toEqual([]);
        }),
        { numRuns: 10 },
      );
    }
  });
});

describe("every shaped setting, on any text", () => {
  test.each(SETTINGS.filter(isShaped).map((s) => [s.name, s] as const))(
    "%s: refused naming the setting, or accepted with no template, token marker or brace in the config",
    (name, setting) => {
      fc.assert(
        fc.property(anyText, fc.boolean(), (text, fromContext) => {
          const lookup = fromContext
            ? environmentThenContext({}, (n) => (n === name ? text : undefined))
            : environmentThenContext({ [name]: text }, () => undefined);
          let config: object;
          try {
            config = loadConfig(lookup);
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            // Refused for itself, naming it; or accepted for itself and refused by a check across
            // settings (UNSUPPORTED_FIC_REGIONS=eastus refuses the default LOCATION, naming LOCATION).
            const own = text === "" ? { value: undefined } : parseSetting(setting, text);
            expect(e.problems.some((p) => p.startsWith(`${name} `)) || "value" in own).toBe(true);
            if ("value" in own) for (const s of strings(own.value)) expect(s).not.toMatch(/[{}]/);
            return;
          }
          for (const s of strings(config)) {
            expect(templateSequences(s)).toEqual([]);
            expect(s).not.toMatch(/[{}]/);
          }
        }),
        { numRuns: 100 },
      );
    },
  );
});

/**
 * Terraform itself reads the escaped strings back (values and object keys). It needs no provider
 * and no network: outputs only, local state. Runs where `terraform` is on PATH.
 */
const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
const wellFormed = (s: string) => Buffer.from(s, "utf8").toString("utf8") === s;
(terraform ? test : test.skip)("Terraform reads terraformLiteral's output as the original text (terraform apply of outputs)", () => {
  const texts = [
    '${file("/etc/hostname")}', "%{ if true }x%{ endif }", "$${a}", "$$${a}", "%%{", "$", "%",
    ...fc.sample(anyText.filter(wellFormed), { numRuns: 300, seed: 14 }),
  ];
  const dir = tempOutdir("azwi-tf-literal-");
  const output: Record<string, { value: unknown }> = {};
  texts.forEach((t, i) => (output[`v${i}`] = { value: terraformLiteral(t) }));
  output.keys = { value: Object.fromEntries(texts.map((t, i) => [terraformLiteral(`${i}:${t}`), i])) };
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ output }));
  const run = (args: string[]) =>
    spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
  expect(run(["init", "-input=false", "-no-color"]).status).toBe(0);
  const apply = run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  expect({ status: apply.status, stderr: apply.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  const read = JSON.parse(run(["output", "-json"]).stdout);
  // Terraform normalizes strings to Unicode NFC; nothing else may change.
  texts.forEach((t, i) => expect([i, read[`v${i}`].value]).toEqual([i, t.normalize("NFC")]));
  expect(read.keys.value).toEqual(Object.fromEntries(texts.map((t, i) => [`${i}:${t}`.normalize("NFC"), i])));
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
if (!terraform) console.warn("Terraform round trip of terraformLiteral SKIPPED: no terraform on PATH");
