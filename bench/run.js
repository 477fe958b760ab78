#!/usr/bin/env node
// Benchmark: prints a Markdown table of medians (wall time, peak RSS) for
//   1. the default app's synth (the cdktf.json app command alone),
//   2. `npx cdktf synth` end to end,
//   3. one stack with N = 1, 10, 100, 1000 FederatedWorkloads (each with a grant and a pod),
//   4. the same resources as a naive cdktf app (package-root imports, ts-node), side by side,
//   5. the naive app's resources through scripts/app.js with deep imports (bench/naive/deep.ts):
//      cdktf's own cost for the naive output, the floor under any library's synth of it.
// Usage: npm run bench [-- --runs 5] [-- --quick]   (--quick: 3 runs, N up to 100, no naive type-check)
//        npm run bench -- --tests [--runs 3]   (only the test suite's rows, with CPU time: bench/tests.js)
"use strict";
const fs = require("fs");
const path = require("path");
const { bin, once, measure: measureN, fmt, machine } = require("./measure");

const args = process.argv.slice(2);
if (args.includes("--tests")) {
  const i = args.indexOf("--runs");
  require("./tests").main(i >= 0 ? Number(args[i + 1]) : 3);
  process.exit(0);
}
const quick = args.includes("--quick");
const runsArg = args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 3 : 5;
const sizes = quick ? [1, 10, 100] : [1, 10, 100, 1000];
const measure = (label, command, argv, env, n = runs) => measureN(label, command, argv, env, n);

process.stderr.write(`benchmark: ${runs} runs each\n`);
once("node", ["scripts/app.js"]); // transpile once (node_modules/.cache/azwi-app), so every measured run is warm
once("node", ["scripts/app.js", "bench/scale-app.ts"]);
once("node", ["scripts/app.js", "bench/naive/deep.ts"]);

const rows = [];
const app = measure("default app synth (`node scripts/app.js`)", "node", ["scripts/app.js"]);
rows.push(app);
const naiveArgs = ["--project", "bench/naive/tsconfig.json", "bench/naive/main.ts"];
const naiveTranspile = measure("naive app, root imports, ts-node --transpile-only", bin("ts-node"), ["--transpile-only", ...naiveArgs]);
rows.push(naiveTranspile);
let naiveChecked;
if (!quick) {
  naiveChecked = measure("naive app, root imports, ts-node (type-checks, as `cdktf init`)", bin("ts-node"), naiveArgs, {}, Math.min(runs, 3));
  rows.push(naiveChecked);
}
const cli = measure("`npx cdktf synth` end to end", "npx", ["cdktf", "synth"]);
rows.push(cli);

const scale = [];
for (const n of sizes) {
  const row = measure(`${n} workload(s), one stack`, "node", ["scripts/app.js", "bench/scale-app.ts"], { BENCH_WORKLOADS: String(n) });
  scale.push({ n, row });
  rows.push(row);
}
const naiveScale = [];
for (const n of sizes) {
  const row = measure(`${n} workload(s), naive (root imports, transpile-only)`, bin("ts-node"), ["--transpile-only", ...naiveArgs], { BENCH_WORKLOADS: String(n) }, Math.min(runs, 3));
  naiveScale.push({ n, row });
  rows.push(row);
}
const floorScale = [];
for (const n of sizes) {
  const row = measure(`${n} workload(s), naive app's resources via \`scripts/app.js\` (deep imports, no checks)`, "node", ["scripts/app.js", "bench/naive/deep.ts"], { BENCH_WORKLOADS: String(n) }, Math.min(runs, 3));
  floorScale.push({ n, row });
  rows.push(row);
}
// The size of what cdktf resolves and writes: bytes, JSON values (keys and leaves) and references.
const outputSize = (outdir) => {
  const text = fs.readFileSync(path.join(outdir, "stacks", "scale", "cdk.tf.json"), "utf8");
  const count = (v) => (v === null || typeof v !== "object" ? 1 : Object.values(v).reduce((n, x) => n + 1 + count(x), 1));
  return { bytes: text.length, values: count(JSON.parse(text)), references: (text.match(/\$\{/g) || []).length };
};
const largest = String(sizes[sizes.length - 1]);
const phases = once("node", ["scripts/app.js", "bench/scale-app.ts"], { BENCH_WORKLOADS: largest, BENCH_PHASES: "1" }, outputSize);
const naiveOutput = once("node", ["scripts/app.js", "bench/naive/deep.ts"], { BENCH_WORKLOADS: largest }, outputSize);

const out = [];
out.push(machine());
out.push("");
out.push("| what | runs | median wall | median peak RSS |");
out.push("|---|---|---|---|");
for (const row of rows) out.push(fmt(row));
out.push("");
out.push(`- default app vs naive (transpile-only): ${(app.seconds / naiveTranspile.seconds).toFixed(2)}× time, ${(app.rssMb / naiveTranspile.rssMb).toFixed(2)}× memory`);
if (naiveChecked) {
  out.push(`- default app vs naive (type-checking, as cdktf init): ${(app.seconds / naiveChecked.seconds).toFixed(2)}× time, ${(app.rssMb / naiveChecked.rssMb).toFixed(2)}× memory`);
}
for (let i = 1; i < scale.length; i++) {
  const [a, b] = [scale[i - 1], scale[i]];
  out.push(`- growth ${a.n} → ${b.n} workloads: ${(b.row.seconds / a.row.seconds).toFixed(2)}× time, ${(b.row.rssMb / a.row.rssMb).toFixed(2)}× memory (naive: ${(naiveScale[i].row.seconds / naiveScale[i - 1].row.seconds).toFixed(2)}× time)`);
}
for (let i = 0; i < scale.length; i++) {
  out.push(`- ${scale[i].n} workloads vs naive: ${(scale[i].row.seconds / naiveScale[i].row.seconds).toFixed(2)}× time, ${(scale[i].row.rssMb / naiveScale[i].row.rssMb).toFixed(2)}× memory`);
}
for (let i = 0; i < scale.length; i++) {
  out.push(`- ${scale[i].n} workloads: naive resources via the runner vs naive: ${(floorScale[i].row.seconds / naiveScale[i].row.seconds).toFixed(2)}× time; the library vs them: ${(scale[i].row.seconds / floorScale[i].row.seconds).toFixed(2)}× time, ${(scale[i].row.rssMb / floorScale[i].row.rssMb).toFixed(2)}× memory`);
}
const size = ({ inspected: o }) => `${(o.bytes / 1e6).toFixed(1)} MB, ${o.values.toLocaleString("en")} JSON values, ${o.references.toLocaleString("en")} references`;
out.push(`- output of ${largest} workloads: the library's ${size(phases)}; the naive app's ${size(naiveOutput)}`);
out.push(`- ${(/phases ms: .*/.exec(phases.stderr) || ["phases: n/a"])[0]} (${sizes[sizes.length - 1]} workloads, one run)`);
console.log(out.join("\n"));
