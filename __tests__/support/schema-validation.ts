/**
 * The offline validate tier, hooked into the suite's synth helpers: every stack a test synthesizes
 * is checked against the bundled provider schemas (lib/tools/validate), and a finding – error or
 * warning – fails the test that synthesized it. The schemas are parsed once per test file.
 */
import { formatFinding, validateStack, validateSynthOutput } from "../../lib/tools/validate/validate";
import type { ValidationResult } from "../../lib/tools/validate/validate";

function expectClean(result: ValidationResult, what: string): void {
  if (result.findings.length > 0) {
    throw new Error(`${what} does not validate against the provider schemas:\n${result.findings.map(formatFinding).join("\n")}`);
  }
}

/** Fails when one stack's Terraform JSON has a schema finding. */
export function expectValidStack(stack: string, json: unknown): void {
  expectClean(validateStack(stack, json), `stack ${stack}`);
}

/** Fails when any stack of a synth output directory has a schema finding. */
export function expectValidSynthOutput(dir: string): void {
  expectClean(validateSynthOutput(dir), `the synth output ${dir}`);
}
