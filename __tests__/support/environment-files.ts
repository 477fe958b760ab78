/**
 * Environment files on disk, loaded and synthesized as main.ts does (buildConfiguredApp,
 * checkConfiguredApp, app.synth), for the tests of what the loader refuses.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { GuardrailError } from "../../lib/guardrails/check-app";
import { buildConfiguredApp, checkConfiguredApp, ConfigError, EnvironmentError } from "../../stacks";

export type Outcome = { readonly refused: readonly string[] } | { readonly outdir: string };

/** A temp environments directory holding `files` (text, or bytes). */
export function envDir(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-envfiles-"));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

/** How messages show a file of `dir` (relative to the working directory, as main.ts shows it). */
export function shown(dir: string, file: string): string {
  return path.relative(process.cwd(), path.join(dir, file));
}

/**
 * Loads `dir` and synthesizes like main.ts: the problems of the error main.ts reports (and exits 1
 * on), or the output directory. Any other error is thrown: main.ts would print it with a stack trace.
 */
export function runEnvironments(dir: string): Outcome {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-envout-"));
  const app = new App({ outdir });
  try {
    buildConfiguredApp(app, (n) => (n === "ENVIRONMENTS_DIR" ? dir : undefined));
    checkConfiguredApp(app);
    app.synth();
    return { outdir };
  } catch (e) {
    if (e instanceof EnvironmentError || e instanceof GuardrailError || e instanceof ConfigError) return { refused: [...e.problems] };
    throw e;
  }
}

/** The problems `files` are refused with; fails when they are accepted. */
export function refusedWith(files: Record<string, string | Buffer>): { dir: string; problems: readonly string[] } {
  const dir = envDir(files);
  const outcome = runEnvironments(dir);
  if (!("refused" in outcome)) throw new Error(`the files were accepted: ${Object.keys(files).join(", ")}`);
  return { dir, problems: outcome.refused };
}

/** A valid environment file: one team with one workload, a secret and a pod; `extra` replaces top-level blocks. */
export function environmentYaml(o: { rg?: string; vault?: string; cluster?: string; top?: string; identityName?: string; namespace?: string; createNamespace?: boolean } = {}): string {
  return `location: eastus
resourceGroup: ${o.rg ?? "rg-x"}
${o.top ?? ""}
cluster:
${o.cluster ?? "  name: aks-x"}
vault:
${o.vault ?? "  name: kv-x-example"}
teams:
  - name: web
    workloads:
      - namespace: ${o.namespace ?? "web"}
        serviceAccount: frontend${o.identityName ? `\n        identityName: ${o.identityName}` : ""}${o.createNamespace === false ? "\n        createNamespace: false" : ""}
        secrets:
          - name: web-secret
        pods:
          - name: web-pod
            image: ghcr.io/org/web:1.0
`;
}
