#!/usr/bin/env node
/**
 * azwi-validate [--quiet] [DIR]   (in this repository: npm run validate -- …)
 * Validates every stack of the cdktf synth output DIR (default cdktf.out) against the bundled
 * provider schemas, offline: the schema half of `terraform validate`. Exit 0 when nothing is wrong,
 * 1 on findings (errors; warnings alone exit 0), 2 on unreadable input.
 */
import { bundledSchemas } from "./schemas";
import { formatFinding, validateSynthOutput, ValidateInputError } from "./validate";

const USAGE = [
  "usage: azwi-validate [--quiet] [DIR]",
  "  DIR      a cdktf synth output directory (with manifest.json); default cdktf.out",
  "  --quiet  print errors only, no warnings, notes or summary",
  "checks every resource, data source and ephemeral resource against the bundled provider schemas",
  "exit 0 when valid, 1 on errors (a type with no bundled schema is one), 2 on unreadable input",
].join("\n");

export function main(argv: string[]): number {
  let quiet = false;
  const positional: string[] = [];
  for (const a of argv) {
    if (a === "-h" || a === "--help") {
      console.log(USAGE);
      return 0;
    } else if (a === "--quiet") {
      quiet = true;
    } else if (a.startsWith("-")) {
      console.error(`unknown option ${a}\n${USAGE}`);
      return 2;
    } else {
      positional.push(a);
    }
  }
  if (positional.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const dir = positional[0] ?? "cdktf.out";
  let result;
  try {
    result = validateSynthOutput(dir);
  } catch (e) {
    if (e instanceof ValidateInputError) {
      console.error(`validate: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const errors = result.findings.filter((f) => f.severity === "error");
  const warnings = result.findings.filter((f) => f.severity === "warning");
  for (const f of quiet ? errors : result.findings) console.log(formatFinding(f));
  if (!quiet) {
    for (const n of result.notChecked) console.log(`note: not checked: ${n}`);
    const schemas = bundledSchemas()
      .map((s) => `${s.provider.split("/").pop()} ${s.version}`)
      .join(", ");
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    console.log(
      `validate: ${count(errors.length, "error")}, ${count(warnings.length, "warning")} in ${count(result.stacks.length, "stack")} ` +
        `(${count(result.checked, "block")} checked against ${schemas})`,
    );
  }
  return errors.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
