import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

// The example environments workflow's "pick" step, run as GitHub would run it (bash, with its
// env), in a scratch git repository: which environments a change synthesizes, reviews and deploys.
const workflow = parse(fs.readFileSync(path.join(__dirname, "..", "examples", "github-actions", "environments.yml"), "utf8"));
const pickStep = workflow.jobs.changed.steps.find((s: any) => s.id === "pick");

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } }).trim();
}

function commit(cwd: string, files: Record<string, string>): string {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(cwd, f)), { recursive: true });
    fs.writeFileSync(path.join(cwd, f), text);
  }
  git(cwd, "add", "-A");
  git(cwd, "commit", "-q", "-m", "change");
  return git(cwd, "rev-parse", "HEAD");
}

/** A repository with environments dev, prod and stage and some code, at its first commit. */
function repo(): { dir: string; base: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-wf-"));
  git(dir, "init", "-q");
  const base = commit(dir, { "environments/dev.yaml": "a\n", "environments/prod.yaml": "b\n", "environments/stage.yaml": "c\n", "lib/x.ts": "1\n", "README.md": "r\n" });
  return { dir, base };
}

function pick(dir: string, env: Record<string, string>): string[] {
  const output = path.join(dir, ".github-output");
  fs.writeFileSync(output, "");
  execFileSync("bash", ["-e", "-c", pickStep.run], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: output, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  const line = fs.readFileSync(output, "utf8").split("\n").find((l) => l.startsWith("environments="))!;
  return JSON.parse(line.slice("environments=".length));
}

test("a pull request that changes one environment file picks only that environment", () => {
  const { dir, base } = repo();
  commit(dir, { "environments/prod.yaml": "b2\n" });
  expect(pick(dir, { EVENT: "pull_request", FROM: base })).toEqual(["prod"]);
});

test("a pull request that changes the library picks every environment", () => {
  const { dir, base } = repo();
  commit(dir, { "lib/x.ts": "2\n" });
  expect(pick(dir, { EVENT: "pull_request", FROM: base })).toEqual(["dev", "prod", "stage"]);
});

test("a change to documentation only picks nothing", () => {
  const { dir, base } = repo();
  commit(dir, { "README.md": "r2\n" });
  expect(pick(dir, { EVENT: "push", FROM: base })).toEqual([]);
});

test("a deleted environment file is not picked (its stacks are destroyed by hand)", () => {
  const { dir, base } = repo();
  fs.rmSync(path.join(dir, "environments/stage.yaml"));
  commit(dir, { "environments/dev.yaml": "a2\n" });
  expect(pick(dir, { EVENT: "push", FROM: base })).toEqual(["dev"]);
});

test("a manual run deploys the environment it names", () => {
  const { dir } = repo();
  expect(pick(dir, { EVENT: "workflow_dispatch", REQUESTED: "stage" })).toEqual(["stage"]);
});

test("a manual run with a name that is not an environment name fails before using it", () => {
  const { dir } = repo();
  expect(() => pick(dir, { EVENT: "workflow_dispatch", REQUESTED: "dev; rm -rf /" })).toThrow();
});

test("a first push, with no earlier commit to compare, picks every environment", () => {
  const { dir } = repo();
  expect(pick(dir, { EVENT: "push", FROM: "0000000000000000000000000000000000000000" })).toEqual(["dev", "prod", "stage"]);
});
