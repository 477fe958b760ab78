#!/usr/bin/env node
// The hand-written mutations of the chain's links (issue "apply-correct"): each one breaks a link a
// reviewer relies on, and at least one named test other than the snapshot must fail for it.
// Runs on a copy of the tree (node_modules linked), one jest run per mutation (~40 s each).
// Usage: node scripts/hand-mutations.js [NAME ...]   → prints, per mutation, the tests that failed.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const MUTATIONS = [
  ["swap namespace and SA in the subject", "lib/kubernetes/workload-base.ts", "`system:serviceaccount:${this.namespaceName}:${this.serviceAccountName}`", "`system:serviceaccount:${this.serviceAccountName}:${this.namespaceName}`"],
  ["annotate with principal_id instead of client_id", "lib/kubernetes/workload-base.ts", "[CLIENT_ID_ANNOTATION]: this.principal.clientId", "[CLIENT_ID_ANNOTATION]: this.principal.principalId"],
  ["drop the pod label", "lib/kubernetes/private/pod-spec.ts", '[USE_LABEL]: "true"', ""],
  ["drop the pod's wait", "lib/kubernetes/workload-base.ts", "      dependsOn: [this.propagation!],\n      // A plain address", "      // A plain address"],
  ["grant Key Vault Reader", "lib/azure/key-vault-secret-access.ts", "roleDefinitionName: KEY_VAULT_SECRETS_USER", 'roleDefinitionName: "Key Vault Reader"'],
  ["scope to the vault", "lib/azure/key-vault-secret-access.ts", '(this.vault.permissionModel === "rbac" ? "secret" : "vault")', '"vault"'],
  ["change the audience", "lib/workloads/federated-workload.ts", "audience: TOKEN_EXCHANGE_AUDIENCE", 'audience: "api://other"'],
  ["drop the credential chain", "lib/azure/managed-identity.ts", "    if (previous) addDependency(credential, previous);\n", ""],
  ["issuer from a literal", "lib/workloads/federated-workload.ts", 'typeof props.issuer === "string" ? props.issuer : props.issuer.oidcIssuerUrl', '"https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/"'],
  ["allow kube-system", "lib/guardrails/rules.ts", '(v === "kube-system" ?', '(v === "kube-system-never" ?'],
];

const wanted = process.argv.slice(2);
const selected = MUTATIONS.filter(([name]) => wanted.length === 0 || wanted.includes(name));
const copy = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-hand-"));
const SKIP = new Set(["node_modules", ".git", "cdktf.out", ".stryker-tmp", "reports", "dist", ".build"]);
fs.cpSync(root, copy, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) || path.dirname(src) !== root });
fs.symlinkSync(path.join(root, "node_modules"), path.join(copy, "node_modules"));

let bad = 0;
for (const [name, file, from, to] of selected) {
  const target = path.join(copy, file);
  const original = fs.readFileSync(target, "utf8");
  if (!original.includes(from)) {
    console.log(`✗ ${name}: the code to mutate was not found in ${file} (update this script)`);
    bad++;
    continue;
  }
  fs.writeFileSync(target, original.replace(from, to));
  const report = path.join(copy, "jest-report.json");
  // The consumer test packs dist/, which this copy does not rebuild: leave it out.
  spawnSync(process.execPath, [path.join(copy, "node_modules", "jest", "bin", "jest.js"), "--ci", "--silent", "--json", `--outputFile=${report}`, "--testPathIgnorePatterns", "consumer"], { cwd: copy, encoding: "utf8" });
  fs.writeFileSync(target, original);
  const results = JSON.parse(fs.readFileSync(report, "utf8"));
  const failed = results.testResults.flatMap((f) =>
    f.assertionResults.filter((a) => a.status === "failed").map((a) => `${path.basename(f.name)}: ${a.fullName}`),
  );
  const named = failed.filter((t) => !/matches the reviewed snapshot/.test(t));
  if (named.length === 0) bad++;
  console.log(`${named.length ? "✓" : "✗"} ${name}: ${named.length} named test(s) fail${failed.length > named.length ? " (+ the snapshot)" : ""}`);
  for (const t of named.slice(0, 5)) console.log(`    ${t}`);
  if (named.length > 5) console.log(`    … and ${named.length - 5} more`);
}
fs.rmSync(copy, { recursive: true, force: true });
console.log(bad === 0 ? `all ${selected.length} hand mutations are caught by named tests` : `${bad} hand mutation(s) not caught by a named test`);
process.exitCode = bad === 0 ? 0 : 1;
