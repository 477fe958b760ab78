#!/usr/bin/env node
// The test suite's cost: prints a Markdown table of
//   1. the type-check alone, with an empty build-info cache (.build/tsc) and warm,
//   2. `npm test` with an empty type-check cache (as on a fresh CI checkout), once,
//   3. `npm test` with the cache warm (as when working), N times,
//   4. `npm run test:package`, once.
// Each row: median wall time, median CPU time (user + sys of every process, from GNU time), and the
// 1-minute load average when each run started (the machine is shared: compare CPU when it is high).
// Usage: npm run bench -- --tests [--runs N]   (default 3 runs of the warm `npm test`)
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { root, median, machine } = require("./measure");

const gnuTime = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const buildInfo = path.join(root, ".build", "tsc");
const typecheck = ["tsc", "-p", "tsconfig.json", "--noEmit", "--incremental", "--tsBuildInfoFile", ".build/tsc/typecheck.tsbuildinfo"];

/** Runs a command once: { seconds, cpu (s, NaN without GNU time), load }. Throws when it fails. */
function once(command, argv) {
  const load = os.loadavg()[0];
  const start = process.hrtime.bigint();
  const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
  const r = gnuTime
    ? spawnSync(gnuTime, ["-f", "__cpu=%U %S", command, ...argv], { cwd: root, env, encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync(command, argv, { cwd: root, env, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${command} ${argv.join(" ")} failed (${r.status}):\n${(r.stderr || "").slice(-3000)}`);
  const m = /__cpu=([\d.]+) ([\d.]+)/.exec(r.stderr || "");
  return { seconds, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, load };
}

/** Runs `n` times (`before` ahead of each run); returns a row of medians and every run's load. */
function measure(label, command, argv, n, before) {
  const runs = [];
  for (let i = 0; i < n; i++) {
    before?.();
    runs.push(once(command, argv));
  }
  const row = { label, runs: n, seconds: median(runs.map((r) => r.seconds)), cpu: median(runs.map((r) => r.cpu)), loads: runs.map((r) => r.load) };
  process.stderr.write(`  ${label}: ${row.seconds.toFixed(1)} s wall, ${row.cpu.toFixed(1)} s CPU (median of ${n}; load ${row.loads.map((l) => l.toFixed(1)).join(", ")})\n`);
  return row;
}

const fmt = (row) =>
  `| ${row.label} | ${row.runs} | ${row.seconds.toFixed(1)} s | ${Number.isNaN(row.cpu) ? "n/a" : `${row.cpu.toFixed(1)} s`} | ${row.loads.map((l) => l.toFixed(1)).join(", ")} |`;

function main(runs) {
  const cold = () => fs.rmSync(buildInfo, { recursive: true, force: true });
  const rows = [];
  rows.push(measure("type-check alone, empty cache", "npx", typecheck, 1, cold));
  rows.push(measure("type-check alone, warm cache", "npx", typecheck, 1));
  rows.push(measure("`npm test`, empty type-check cache", "npm", ["test", "--silent"], 1, cold));
  rows.push(measure("`npm test`, warm type-check cache", "npm", ["test", "--silent"], runs));
  rows.push(measure("`npm run test:package`", "npm", ["run", "--silent", "test:package"], 1));
  const out = [machine(), "", "| what | runs | median wall | median CPU (user + sys) | load average at each start |", "|---|---|---|---|---|"];
  for (const row of rows) out.push(fmt(row));
  console.log(out.join("\n"));
}

module.exports = { main };
if (require.main === module) {
  const args = process.argv.slice(2);
  const i = args.indexOf("--runs");
  main(i >= 0 ? Number(args[i + 1]) : 3);
}
