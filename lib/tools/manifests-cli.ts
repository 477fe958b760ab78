#!/usr/bin/env node
/**
 * azwi-manifests --outputs OUTPUTS.json --out DIR SYNTH_DIR
 * Fills the GitOps YAML templates that `cdktf synth` wrote (SYNTH_DIR/stacks/<stack>/<dir>/…) with
 * the values of Terraform outputs – from `cdktf deploy --outputs-file OUTPUTS.json` or
 * `terraform output -json` – and writes them to DIR/<stack>/<directory>/… . Exit 2, writing nothing, when an
 * output is missing or the input is unreadable.
 */
import * as fs from "fs";
import * as path from "path";
import { fillTemplate, outputValue } from "../kubernetes/gitops";

const USAGE = [
  "usage: azwi-manifests --outputs OUTPUTS.json --out DIR SYNTH_DIR",
  "  SYNTH_DIR  a cdktf synth output directory whose stacks hold GitOps templates",
  "  --outputs  cdktf deploy --outputs-file, or terraform output -json",
  "  --out      where the filled manifests are written (DIR/<stack>/<directory>/...)",
  "exit 2, writing nothing, when an output is missing or the input is unreadable",
].join("\n");

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? yamlFiles(p) : e.name.endsWith(".yaml") ? [p] : [];
  });
}

export function main(argv: string[]): number {
  let outputsFile: string | undefined;
  let outDir: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--outputs") outputsFile = argv[++i];
    else if (argv[i] === "--out") outDir = argv[++i];
    else if (argv[i] === "-h" || argv[i] === "--help") {
      console.log(USAGE);
      return 0;
    } else if (argv[i].startsWith("-")) {
      console.error(`unknown option ${argv[i]}\n${USAGE}`);
      return 2;
    } else positional.push(argv[i]);
  }
  if (!outputsFile || !outDir || positional.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const synthDir = positional[0];
  let manifest: any;
  let outputs: any;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(synthDir, "manifest.json"), "utf8"));
    outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"));
  } catch (e) {
    console.error(`manifests: ${(e as Error).message}`);
    return 2;
  }
  const results: Array<{ target: string; text: string }> = [];
  const missing = new Set<string>();
  for (const [stack, entry] of Object.entries<any>(manifest.stacks ?? {})) {
    const workDir = path.join(synthDir, entry.workingDirectory ?? path.join("stacks", stack));
    const stackJson = JSON.parse(fs.readFileSync(path.join(synthDir, entry.synthesizedStackPath), "utf8"));
    for (const file of yamlFiles(workDir)) {
      const filled = fillTemplate(fs.readFileSync(file, "utf8"), (name) => outputValue(outputs, stack, stackJson, name));
      filled.missing.forEach((m) => missing.add(`${stack}: ${m}`));
      results.push({ target: path.join(outDir, stack, path.relative(workDir, file)), text: filled.text });
    }
  }
  if (missing.size) {
    console.error(`manifests: no value for these outputs (deploy first, and pass its --outputs-file):\n  ${[...missing].join("\n  ")}`);
    return 2;
  }
  for (const r of results) {
    fs.mkdirSync(path.dirname(r.target), { recursive: true });
    fs.writeFileSync(r.target, r.text);
  }
  console.log(`wrote ${results.length} manifest file(s) to ${outDir}`);
  return 0;
}

if (require.main === module || process.env.AZWI_MANIFESTS_CLI === "1") {
  process.exitCode = main(process.argv.slice(process.env.AZWI_MANIFESTS_CLI === "1" ? 3 : 2));
}
