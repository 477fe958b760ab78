#!/usr/bin/env node
// Review benchmark: medians of wall time, peak RSS and comment size for `azwi-review` on synth
// outputs of 1000 and 5000 workloads (bench/review-fixture.js), without and with --base (the head
// adds a workload, widens one grant to the vault and renames one service account).
// Usage: npm run bench:review [-- --runs 5]
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { writeReviewFixture } = require("./review-fixture");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const runsArg = args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;
const gnuTime = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The CLI from source, as `npm run review` runs it (scripts/app.js transpiles changed files once, cached in node_modules/.cache/azwi-app).
// The runner makes the CLI the main module (argv as `node cli.ts …`), so it runs as it does from dist/.
const env = { ...process.env };
spawnSync("node", [path.join(root, "scripts", "app.js"), "lib/tools/review/cli.ts", "--help"], { cwd: root, env });

function once(argv) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-run-"));
  const out = path.join(dir, "review.md");
  const inv = path.join(dir, "inventory.md");
  const full = ["node", path.join(root, "scripts", "app.js"), "lib/tools/review/cli.ts", ...argv, "--out", out, "--inventory", inv];
  const start = process.hrtime.bigint();
  const r = gnuTime ? spawnSync(gnuTime, ["-f", "__rss_kb=%M", ...full], { cwd: root, env, encoding: "utf8" }) : spawnSync(full[0], full.slice(1), { cwd: root, env, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0 && r.status !== 3) throw new Error(`azwi-review failed (${r.status}): ${r.stderr}`);
  const m = /__rss_kb=(\d+)/.exec(r.stderr || "");
  const result = { seconds, rssMb: m ? Number(m[1]) / 1024 : NaN, comment: fs.statSync(out).size, chars: fs.readFileSync(out, "utf8").length, inventory: fs.statSync(inv).size };
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

const rows = [];
for (const n of [1000, 5000]) {
  const base = writeReviewFixture({ workloads: n, namespaces: 20 });
  const head = writeReviewFixture({ workloads: n, namespaces: 20, add: true, widen: 7, rename: 42 });
  for (const [label, argv] of [[`${n} workloads, no --base`, [head]], [`${n} workloads, --base (3 changes)`, ["--base", base, head]]]) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(once(argv));
    const row = { label, seconds: median(results.map((r) => r.seconds)), rssMb: median(results.map((r) => r.rssMb)), chars: results[0].chars, inventory: results[0].inventory };
    process.stderr.write(`  ${label}: ${row.seconds.toFixed(2)} s, ${row.rssMb.toFixed(0)} MB, comment ${row.chars} chars\n`);
    rows.push(row);
  }
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(head, { recursive: true, force: true });
}
console.log(`Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}; ${runs} runs each`);
console.log("");
console.log("| what | median wall | median peak RSS | comment (chars) | inventory file |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.label} | ${r.seconds.toFixed(2)} s | ${Number.isNaN(r.rssMb) ? "n/a" : `${r.rssMb.toFixed(0)} MB`} | ${r.chars} | ${(r.inventory / 1024).toFixed(0)} KiB |`);
console.log("");
console.log(`- 1000 → 5000 workloads: ${(rows[2].seconds / rows[0].seconds).toFixed(2)}× time without --base, ${(rows[3].seconds / rows[1].seconds).toFixed(2)}× with it`);
