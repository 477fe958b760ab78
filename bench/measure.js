// Shared by the benchmark scripts: run a command, take wall time and peak RSS (GNU time), medians.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const gnuTime = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const bin = (name) => path.join(root, "node_modules", ".bin", name);

/**
 * Runs a command once with a fresh CDKTF_OUTDIR; returns { seconds, rssMb, stderr } (RSS from GNU
 * time, when present). `inspect(outdir)` may read the output before it is removed. `cwd`: this
 * repository unless given.
 */
function once(command, argv, env = {}, inspect, cwd = root) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-bench-"));
  const fullEnv = { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_OUTDIR: outdir, ...env };
  const start = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync(gnuTime, ["-f", "__rss_kb=%M", command, ...argv], { cwd, env: fullEnv, encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync(command, argv, { cwd, env: fullEnv, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  try {
    if (r.status !== 0) {
      throw new Error(`${command} ${argv.join(" ")} failed (${r.status}):\n${(r.stderr || "").slice(-2000)}`);
    }
    const m = /__rss_kb=(\d+)/.exec(r.stderr || "");
    return { seconds, rssMb: m ? Number(m[1]) / 1024 : NaN, stderr: r.stderr, ...(inspect ? { inspected: inspect(outdir) } : {}) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs `n` times; returns the medians as a row { label, runs, seconds, rssMb, last }. */
function measure(label, command, argv, env, n, inspect, cwd) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(once(command, argv, env, inspect, cwd));
  const row = { label, runs: n, seconds: median(results.map((r) => r.seconds)), rssMb: median(results.map((r) => r.rssMb)), last: results[results.length - 1] };
  process.stderr.write(`  ${label}: ${row.seconds.toFixed(2)} s, ${row.rssMb.toFixed(0)} MB (median of ${n})\n`);
  return row;
}

const fmt = (row) => `| ${row.label} | ${row.runs} | ${row.seconds.toFixed(2)} s | ${Number.isNaN(row.rssMb) ? "n/a" : `${row.rssMb.toFixed(0)} MB`} |`;

const machine = () =>
  `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;

module.exports = { root, bin, once, median, measure, fmt, machine };
