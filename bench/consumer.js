#!/usr/bin/env node
// Benchmark: the consumer's synth. Packs this repository, installs the tarball into a fresh project
// the way __tests__/consumer.test.ts does (unpacked into node_modules, the peers, TypeScript, ts-node
// and @types/node linked from this repository's node_modules: offline), writes the README's
// main.ts there and times, in one run, medians of wall time and peak RSS for the app commands a
// consumer's cdktf.json can name:
//   - the documented one, azwi-app (through npx and through node_modules/.bin), warm and with an empty cache,
//   - `npx ts-node main.ts` (what `cdktf init` sets up: type-checks every synth),
//   - `npx ts-node --transpile-only main.ts`,
//   - `node build/main.js` after `tsc` (the precompiled app; tsc's own time is a row of its own).
// Usage: npm run bench:consumer [-- --runs N]   (default 5)
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { root, once, measure, fmt, machine } = require("./measure");

const args = process.argv.slice(2);
const runsArg = args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;
const PACKAGE = "aks-workload-identity-cdktf";
const LINKED = ["cdktf", "constructs", "@cdktf/provider-azurerm", "@cdktf/provider-kubernetes", "@cdktf/provider-time", "@cdktf/provider-azuread", "typescript", "ts-node", "@types/node"];

// The project, as a consumer has it after `npm install`.
execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-bench-consumer-"));
const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8" }))[0];
const consumer = path.join(work, "consumer");
const modules = path.join(consumer, "node_modules");
fs.mkdirSync(path.join(modules, "@cdktf"), { recursive: true });
fs.mkdirSync(path.join(modules, "@types"), { recursive: true });
fs.mkdirSync(path.join(modules, ".bin"));
fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }, null, 2));
for (const name of LINKED) fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules", name)), path.join(modules, name));
fs.mkdirSync(path.join(modules, PACKAGE));
execFileSync("tar", ["-xzf", path.join(work, packed.filename), "-C", path.join(modules, PACKAGE), "--strip-components=1"]);
const bins = { ...JSON.parse(fs.readFileSync(path.join(modules, PACKAGE, "package.json"), "utf8")).bin };
for (const [name, file] of Object.entries(bins)) {
  fs.chmodSync(path.join(modules, PACKAGE, file), 0o755);
  fs.symlinkSync(path.join("..", PACKAGE, file), path.join(modules, ".bin", name));
}
for (const [name, file] of [["ts-node", "dist/bin.js"], ["tsc", "bin/tsc"]]) {
  fs.symlinkSync(path.join("..", name === "tsc" ? "typescript" : name, file), path.join(modules, ".bin", name));
}
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const main = /<!-- consumer-main\.ts -->\n```ts\n([\s\S]*?)```/.exec(readme);
if (!main) throw new Error("README has no consumer-main.ts block");
fs.writeFileSync(path.join(consumer, "main.ts"), main[1]);
fs.writeFileSync(
  path.join(consumer, "tsconfig.json"),
  JSON.stringify({ compilerOptions: { target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, outDir: "build", types: ["node"] }, include: ["main.ts"] }, null, 2),
);
process.stderr.write(`benchmark: consumer project ${consumer}, ${runs} runs each\n`);

const bin = (name) => path.join(modules, ".bin", name);
const at = (label, command, argv, n = runs) => measure(label, command, argv, {}, n, undefined, consumer);
const cache = path.join(modules, ".cache", "azwi-app");

once(bin("azwi-app"), ["main.ts"], {}, undefined, consumer); // fills the cache: the warm rows are every run after the first
const rows = [];
const direct = at("`node_modules/.bin/azwi-app main.ts` (warm cache)", bin("azwi-app"), ["main.ts"]);
rows.push(direct);
const viaNpx = at("`npx azwi-app main.ts` (warm cache)", "npx", ["azwi-app", "main.ts"]);
rows.push(viaNpx);
const cold = at("`node_modules/.bin/azwi-app main.ts` (empty cache: transpiles)", "sh", ["-c", `rm -rf '${cache}' && exec '${bin("azwi-app")}' main.ts`]);
rows.push(cold);
const tsNode = at("`npx ts-node main.ts` (type-checks, as `cdktf init`)", "npx", ["ts-node", "main.ts"]);
rows.push(tsNode);
const transpileOnly = at("`npx ts-node --transpile-only main.ts`", "npx", ["ts-node", "--transpile-only", "main.ts"]);
rows.push(transpileOnly);
const tsc = at("`npx tsc` (compiles main.ts to build/main.js)", "npx", ["tsc"], 1);
rows.push(tsc);
const precompiled = at("`node build/main.js` (precompiled)", "node", ["build/main.js"]);
rows.push(precompiled);

const out = [machine(), "", "| the consumer's app command | runs | median wall | median peak RSS |", "|---|---|---|---|"];
for (const row of rows) out.push(fmt(row));
out.push("");
const ratio = (a, b) => `${(a.seconds / b.seconds).toFixed(2)}× time, ${(a.rssMb / b.rssMb).toFixed(2)}× memory`;
out.push(`- azwi-app (node_modules/.bin) vs precompiled: ${ratio(direct, precompiled)}`);
out.push(`- npx azwi-app vs precompiled: ${ratio(viaNpx, precompiled)}; npx itself costs ${(viaNpx.seconds - direct.seconds).toFixed(2)} s`);
out.push(`- npx ts-node vs precompiled: ${ratio(tsNode, precompiled)}`);
out.push(`- npx ts-node --transpile-only vs precompiled: ${ratio(transpileOnly, precompiled)}`);
console.log(out.join("\n"));
fs.rmSync(work, { recursive: true, force: true });
