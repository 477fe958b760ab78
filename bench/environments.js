#!/usr/bin/env node
// Benchmark (issue 12): 5 environments × 200 workloads across 10 teams (20 per team), each workload
// with its own identity, a new secret with a per-secret grant and a pod. Prints a Markdown table of
// medians (wall time, peak RSS) for the app command alone and `npx cdktf synth` end to end, and the
// size of the synthesized stacks.
// Usage: npm run bench:environments [-- --runs 3] [-- --environments 5 --workloads 200 --teams 10]
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { once, measure, fmt, machine } = require("./measure");

const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const runs = arg("--runs", 3);
const environments = arg("--environments", 5);
const workloads = arg("--workloads", 200);
const teams = arg("--teams", 10);

/** One environment file: a new cluster and vault, local state, `teams` teams sharing the workloads. */
function environmentFile(e) {
  const lines = [`location: eastus`, `resourceGroup: rg-bench-${e}`, `cluster:`, `  name: aks-bench-${e}`, `vault:`, `  name: kv-bench-env${e}`, `teams:`];
  for (let t = 0; t < teams; t++) {
    lines.push(`  - name: team-${t}`, `    workloads:`);
    for (let w = t; w < workloads; w += teams) {
      lines.push(
        `      - namespace: team-${t}`,
        `        serviceAccount: app-${w}`,
        `        secrets:`,
        `          - name: secret-${w}`,
        `        pods:`,
        `          - name: app-${w}`,
        `            image: ghcr.io/org/app:1.0`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-bench-envs-"));
for (let e = 0; e < environments; e++) fs.writeFileSync(path.join(dir, `env${e}.yaml`), environmentFile(e));

/** Sizes of the synthesized stacks: count, largest by bytes (with its resource count), total. */
function sizes(outdir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const stacks = Object.values(manifest.stacks).map((s) => {
    const file = path.join(outdir, s.synthesizedStackPath);
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    const resources = Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    return { name: s.name, bytes: fs.statSync(file).size, resources };
  });
  stacks.sort((a, b) => b.bytes - a.bytes);
  return { count: stacks.length, largest: stacks[0], totalBytes: stacks.reduce((n, s) => n + s.bytes, 0) };
}

const env = { ENVIRONMENTS_DIR: dir };
process.stderr.write(`benchmark: ${environments} environments × ${workloads} workloads across ${teams} teams, ${runs} runs each\n`);
once("node", ["scripts/app.js"], env); // transpile once (node_modules/.cache/azwi-app), so every measured run is warm
const app = measure("app command alone (`node scripts/app.js`)", "node", ["scripts/app.js"], env, runs, sizes);
const cli = measure("`npx cdktf synth` end to end", "npx", ["cdktf", "synth"], env, runs);
fs.rmSync(dir, { recursive: true, force: true });

const s = app.last.inspected;
const out = [machine(), "", `${environments} environments × ${workloads} workloads (${teams} teams each; ${environments * workloads} workloads in all)`, ""];
out.push("| what | runs | median wall | median peak RSS |", "|---|---|---|---|", fmt(app), fmt(cli), "");
out.push(`- ${s.count} stacks, ${(s.totalBytes / 2 ** 20).toFixed(1)} MiB of cdk.tf.json in all`);
out.push(`- largest stack: ${s.largest.name}, ${(s.largest.bytes / 2 ** 10).toFixed(0)} KiB, ${s.largest.resources} resources`);
out.push(`- per workload: ${((app.seconds * 1000) / (environments * workloads)).toFixed(2)} ms of app time`);
console.log(out.join("\n"));
