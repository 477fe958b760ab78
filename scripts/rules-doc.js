#!/usr/bin/env node
// Writes docs/rules.md from the rule files (lib/guardrails/security/rules/*.ts): the catalogue is
// derived from the rules, never typed twice. `npm test` fails when the file is out of date.
"use strict";
const fs = require("fs");
const path = require("path");
require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
const { rulesMarkdown } = require("../lib/guardrails/security/catalogue");
fs.writeFileSync(path.join(__dirname, "..", "docs", "rules.md"), rulesMarkdown());
console.log("wrote docs/rules.md");
