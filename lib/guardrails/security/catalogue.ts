/** The rule catalogue as Markdown (docs/rules.md), generated from the rule files. */
import { ALL_RULES } from "./rules";

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** docs/rules.md: one row per rule, with its severity, what it checks and the fix. */
export function rulesMarkdown(): string {
  return [
    "# Security rules",
    "",
    "Generated from `lib/guardrails/security/rules/*.ts` by `node scripts/rules-doc.js`; a test fails when this file",
    "and the rule files disagree. `error` fails the synth; `warning` is printed by `cdktf synth` and kept in",
    "`manifest.json`. Suppress a finding with `WorkloadIdentityChecks.suppress(scope, id, reason)`.",
    "",
    "| id | severity | rule | fix | file |",
    "|---|---|---|---|---|",
    ...ALL_RULES.map((r) => `| ${r.id} | ${r.severity} | ${cell(r.title)} | ${cell(r.fix)} | \`${ruleFile(r.id)}\` |`),
    "",
  ].join("\n");
}

function ruleFile(id: string): string {
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  const dir = path.join(__dirname, "rules");
  const file = fs.readdirSync(dir).find((f) => f.startsWith(id.toLowerCase()));
  return `lib/guardrails/security/rules/${file ? file.replace(/\.js$/, ".ts") : "?"}`;
}
