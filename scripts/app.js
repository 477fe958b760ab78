#!/usr/bin/env node
// The cdktf app command (see cdktf.json). Runs main.ts compiled once: TypeScript sources that
// changed since the last run are transpiled (no type-check; `npm test` type-checks) into .build/,
// then main.js runs in this process. A fresh run costs nothing over plain `node`; ts-node or tsx
// would add ~0.35 s and ~90 MB to every synth.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const out = path.join(root, ".build");
// The entry point: main.ts by default; the benchmark passes its own (e.g. bench/scale-app.ts).
const entry = process.argv[2] ?? "main.ts";
const roots = [entry, "lib", "stacks"];

function sources(rel) {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return rel.endsWith(".ts") && !rel.endsWith(".d.ts") ? [rel] : [];
  return fs.readdirSync(abs).flatMap((name) => sources(path.join(rel, name)));
}

const stale = roots.flatMap(sources).filter((rel) => {
  const target = path.join(out, rel.replace(/\.ts$/, ".js"));
  return !fs.existsSync(target) || fs.statSync(target).mtimeMs < fs.statSync(path.join(root, rel)).mtimeMs;
});

if (stale.length > 0) {
  const ts = require("typescript");
  for (const rel of stale) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(root, rel), "utf8"), {
      fileName: rel,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, isolatedModules: true },
    });
    const target = path.join(out, rel.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
}

// cdktf captures a full stack trace (Error.stackTraceLimit = MAX_SAFE_INTEGER) for every token it
// creates, only to say where an unresolvable token came from. With thousands of resources that is
// a third of the synth time and much of its memory. Skip it unless CDKTF_TOKEN_STACK_TRACES=1.
if (process.env.CDKTF_TOKEN_STACK_TRACES !== "1") {
  require("cdktf/lib/tokens/private/stack-trace").captureStackTrace = () => [];
}

// Modules resolve from .build/ up to the project's node_modules.
require(path.join(out, entry.replace(/\.ts$/, ".js")));
