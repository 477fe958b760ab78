/**
 * The example review workflow on the pull requests that used to fail it: one from a fork (its token
 * cannot comment) and the first one that adopts the library (the base locks no review tool). The
 * base step's script runs in bash with a stand-in npm.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const workflow = parse(fs.readFileSync(path.join(__dirname, "..", "examples", "github-actions", "workload-identity-review.yml"), "utf8"));
const steps: any[] = workflow.jobs.review.steps;
const baseStep = steps.find((s) => s.id === "base");

function runBase(files: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-wf-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "npm"), '#!/bin/bash\necho "npm $*" >> "$RUNNER_TEMP/calls"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "npx"), '#!/bin/bash\necho "npx $*" >> "$RUNNER_TEMP/calls"\n', { mode: 0o755 });
  const base = path.join(dir, "base");
  fs.mkdirSync(base);
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(base, f), text);
  const output = path.join(dir, "output");
  fs.writeFileSync(output, "");
  const result = spawnSync("bash", ["-e", "-c", baseStep.run], {
    cwd: base,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir, GITHUB_OUTPUT: output, ...baseStep.env },
  });
  const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8") : "";
  return { status: result.status, calls, output: fs.readFileSync(output, "utf8"), base, dir };
}

test("the comment step runs only for pull requests from this repository (a fork's token cannot comment)", () => {
  const post = steps.find((s) => /sticky comment/.test(s.name));
  expect(post.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  const summary = steps.find((s) => /job summary/.test(s.name));
  expect(summary.if).toBeUndefined();
  expect(summary.run).toMatch(/review\.md/);
});

test("a base that locks the library installs and synthesizes it, and reviews with its tool", () => {
  const lock = JSON.stringify({ packages: { "node_modules/aks-workload-identity-cdktf": { version: "0.1.0" } } });
  const run = runBase({ "package-lock.json": lock });
  expect(run.status).toBe(0);
  expect(run.calls).toBe("npm ci\nnpx cdktf synth\n");
  expect(run.output).toBe(`tool=${run.base}/node_modules/.bin/azwi-review\n`);
});

test("the first adoption pull request (no lockfile in the base) is reviewed against an empty output with the pinned tool", () => {
  const run = runBase({});
  expect(run.status).toBe(0);
  expect(run.calls).toBe(`npm install --prefix ${run.dir}/azwi-review --ignore-scripts --no-audit --no-fund aks-workload-identity-cdktf@0.1.0\n`);
  expect(JSON.parse(fs.readFileSync(path.join(run.base, "cdktf.out", "manifest.json"), "utf8"))).toEqual({ stacks: {} });
  expect(run.output).toBe(`tool=${run.dir}/azwi-review/node_modules/.bin/azwi-review\n`);
});

test("a base whose lockfile does not lock the library counts as not adopted", () => {
  const run = runBase({ "package-lock.json": JSON.stringify({ packages: { "node_modules/cdktf": {} } }) });
  expect(run.calls).toMatch(/^npm install --prefix /);
});
