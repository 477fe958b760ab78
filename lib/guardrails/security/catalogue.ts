/** The rule catalogue as Markdown (docs/rules.md), generated from the rule files. */
import type { SecurityRule } from "./rule";
import { ALL_RULES } from "./rules";

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** docs/rules.md: one row per rule (by default every rule), with its severity, what it checks and the fix. */
export function rulesMarkdown(rules: readonly SecurityRule[] = ALL_RULES): string {
  return [
    "# Security rules",
    "",
    "Generated from `lib/guardrails/security/rules/*.ts` by `node scripts/rules-doc.js`; a test fails when this file",
    "and the rule files disagree. `error` fails the synth; `warning` is printed by `cdktf synth` and kept in",
    "`manifest.json`. Suppress a finding with `WorkloadIdentityChecks.suppress(scope, id, reason)`.",
    "",
    "| id | severity | rule | fix | file |",
    "|---|---|---|---|---|",
    ...rules.map((r) => `| ${r.id} | ${r.severity} | ${cell(r.title)} | ${cell(r.fix)} | \`${ruleFile(r.id)}\` |`),
    "",
  ].join("\n");
}

/** The rule's file, `rules/<id>-….ts`. The catalogue is generated from the TypeScript sources (ts-node, ts-jest). */
function ruleFile(id: string): string {
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  const file = fs.readdirSync(path.join(__dirname, "rules")).find((f) => f.startsWith(`${id.toLowerCase()}-`));
  if (!file) throw new Error(`rulesMarkdown: rule ${id} has no file lib/guardrails/security/rules/${id.toLowerCase()}-*.ts`);
  return `lib/guardrails/security/rules/${file}`;
}
