#!/usr/bin/env node
/**
 * Prints a Stryker JSON report as the markdown table CONTRIBUTING.md shows: per file (rule files
 * grouped), the score, mutants run, killed (+ timed out), survived, no coverage, not run (static
 * and mutants marked equivalent in the code), and the total.
 *
 *   node scripts/mutation-table.js [reports/mutation-guardrails/mutation.json]
 *
 * Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker counts it.
 */
const fs = require("fs");
const path = require("path");

const reportPath = process.argv[2] ?? path.join("reports", "mutation-guardrails", "mutation.json");
const report = JSON.parse(fs.readFileSync(reportPath, "utf8"));

/** Files grouped as the table shows them: each security rule file is one row otherwise. */
const groupOf = (file) => (/\/security\/rules\//.test(file) ? "`security/rules/*`" : `\`${file.replace(/^lib\/guardrails\//, "")}\``);

const rows = new Map();
const add = (key, m) => {
  const r = rows.get(key) ?? { killed: 0, survived: 0, noCoverage: 0, notRun: 0, files: new Set() };
  if (m.status === "Killed" || m.status === "Timeout") r.killed++;
  else if (m.status === "Survived") r.survived++;
  else if (m.status === "NoCoverage") r.noCoverage++;
  else r.notRun++;
  rows.set(key, r);
  return r;
};
for (const [file, { mutants }] of Object.entries(report.files)) {
  for (const m of mutants) {
    add(groupOf(file), m).files.add(file);
    add("total", m).files.add(file);
  }
}

const pct = (r) => {
  const run = r.killed + r.survived + r.noCoverage;
  return run === 0 ? "–" : `${((100 * r.killed) / run).toFixed(1)} %`;
};
const line = (name, r) => `| ${name} | ${pct(r)} | ${r.killed + r.survived + r.noCoverage} | ${r.killed} | ${r.survived} | ${r.noCoverage} | ${r.notRun} |`;

console.log("| file | score | mutants run | killed (+ timed out) | survived | no coverage | not run (static, marked) |");
console.log("|---|---|---|---|---|---|---|");
for (const [name, r] of [...rows].filter(([k]) => k !== "total").sort(([a], [b]) => a.localeCompare(b))) {
  console.log(line(r.files.size > 1 ? `${name} (${r.files.size} files)` : name, r));
}
const total = rows.get("total");
console.log(line(`**all ${total.files.size} files**`, total).replace(`| ${pct(total)} |`, `| **${pct(total)}** |`));
