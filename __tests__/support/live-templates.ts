/**
 * Finding Terraform templates in a synth output (configuration is data). Every string of
 * every synthesized file is scanned – cdk.tf.json values and keys, and the YAML manifests under
 * stacks/<stack>/ – with the library's scanner, which reads a string as Terraform does.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { templateSequences } from "../../lib/guardrails/checks";
import { checkApp } from "../../lib/guardrails/check-app";
import { buildApp, environmentThenContext, loadConfig } from "../../stacks";

/** What the injection tests feed: an interpolation that reads a file and a directive. */
export const PAYLOADS = ['${file("/etc/hostname")}', "%{ if true }x%{ endif }"] as const;
/** Text that only the payloads put inside a live sequence (cdktf's own references never hold it). */
export const PAYLOAD_MARKERS = ["file(", "if true"] as const;

export interface LiveTemplate {
  /** File, relative to the output directory. */
  readonly file: string;
  /** Where in the file: a JSON path, `(key)` when the template is in an object key. */
  readonly at: string;
  /** The whole string holding it. */
  readonly string: string;
  /** The live sequence, `${…}` or `%{…}`. */
  readonly sequence: string;
}

/** Every file a synth wrote that Terraform or a GitOps tool reads: cdk.tf.json and YAML manifests. */
export function synthesizedFiles(outdir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.tf\.json$|\.ya?ml(\.tmpl)?$/.test(e.name)) found.push(path.relative(outdir, full));
    }
  };
  const stacks = path.join(outdir, "stacks");
  if (fs.existsSync(stacks)) walk(stacks);
  return found.sort();
}

/** Parses a synthesized file (JSON, or multi-document YAML); throws when it does not parse. */
export function parseSynthesized(outdir: string, file: string): unknown[] {
  const text = fs.readFileSync(path.join(outdir, file), "utf8");
  if (file.endsWith(".json")) return [JSON.parse(text)];
  const YAML = require("yaml") as typeof import("yaml");
  return YAML.parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    return d.toJS();
  });
}

/** Every live template sequence in every string (values and keys) of every synthesized file. */
export function liveTemplatesIn(outdir: string): LiveTemplate[] {
  const found: LiveTemplate[] = [];
  for (const file of synthesizedFiles(outdir)) {
    const visit = (value: unknown, at: string): void => {
      if (typeof value === "string") {
        for (const seq of templateSequences(value)) found.push({ file, at, string: value, sequence: seq.text });
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, `${at}[${i}]`));
      } else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
          visit(k, `${at}.${k} (key)`);
          visit(v, `${at}.${k}`);
        }
      }
    };
    parseSynthesized(outdir, file).forEach((doc, i) => visit(doc, i === 0 ? "$" : `$doc${i}`));
  }
  return found;
}

/**
 * The live sequences that carry injected text: those holding one of `markers`. cdktf writes
 * `${…}` references of its own (tokens), which are expected; only a sequence with the injected
 * payload inside comes from the value under test.
 */
export function injectedTemplates(outdir: string, markers: readonly string[] = PAYLOAD_MARKERS): LiveTemplate[] {
  return liveTemplatesIn(outdir).filter((t) => markers.some((m) => t.sequence.includes(m)));
}

/**
 * The text Terraform reads from a string that holds no live sequence, or undefined when it holds
 * one. The model of HCL's template scanner that the tests check terraformLiteral against (and
 * that Terraform itself confirms in the property test when it is installed).
 */
export function readTemplateLiteral(text: string): string | undefined {
  let out = "";
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if ((c === "$" || c === "%") && text[i + 1] === c && text[i + 2] === "{") {
      out += `${c}{`;
      i += 3;
    } else if ((c === "$" || c === "%") && text[i + 1] === "{") {
      return undefined;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

export function tempOutdir(prefix = "azwi-data-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The app as main.ts builds it: settings from `env`, then cdktf context, then defaults; the
 * security pass; a synth into a temp dir. Throws ConfigError (or GuardrailError) as main.ts would
 * report them.
 */
export function synthLikeMain(env: Record<string, string>, context: Record<string, unknown> = {}): string {
  const outdir = tempOutdir();
  const app = new App({ outdir, context });
  const config = loadConfig(environmentThenContext(env, (name) => app.node.tryGetContext(name)));
  buildApp(app, config);
  checkApp(app);
  app.synth();
  return outdir;
}
