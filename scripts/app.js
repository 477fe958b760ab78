#!/usr/bin/env node
// The cdktf app command of this repository (see cdktf.json): the package's own runner,
// lib/tools/app-runner.ts (`azwi-app` in the package), run from source. It transpiles main.ts (or the
// entry given, e.g. bench/scale-app.ts) and every .ts file it reaches, without type-checking
// (`npm test` type-checks), cached by content in node_modules/.cache/azwi-app.
// The runner itself is transpiled here the same way: cached by its text, TypeScript loaded only when it changed.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const runner = path.join(__dirname, "..", "lib", "tools", "app-runner.ts");
const source = fs.readFileSync(runner, "utf8");
const key = crypto.createHash("sha256").update(source).digest("hex");
const cached = path.join(__dirname, "..", "node_modules", ".cache", "azwi-app", "runner.js");
let code;
try {
  const text = fs.readFileSync(cached, "utf8");
  if (text.endsWith(`\n// ${key}\n`)) code = text;
} catch {
  // not cached yet
}
if (code === undefined) {
  const ts = require("typescript");
  code = `${ts.transpileModule(source, { fileName: runner, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText}\n// ${key}\n`;
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  fs.writeFileSync(`${cached}.${process.pid}.tmp`, code);
  fs.renameSync(`${cached}.${process.pid}.tmp`, cached);
}
const m = new Module(runner, module);
m.filename = runner;
m.paths = Module._nodeModulePaths(path.dirname(runner));
m._compile(code, runner);
const exitCode = m.exports.main(process.argv.slice(2));
if (exitCode !== undefined) process.exitCode = exitCode;
