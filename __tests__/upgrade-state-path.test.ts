/**
 * Working directories initialized when state paths were absolute (cdktf's default LocalBackend)
 * meet "Backend configuration changed" once the path is relative; the CHANGELOG's upgrade note
 * (`cdktf deploy --migrate-state`, which runs `terraform init -migrate-state` and answers yes)
 * keeps the state. Run with the local binary on a terraform_data stand-in (no provider download).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { localState } from "../stacks/backends";

const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraform) console.warn("Terraform check of the state path upgrade SKIPPED: no terraform on PATH");

(terraform ? test : test.skip)("an absolute-path working directory upgrades with -migrate-state and keeps its state (terraform init, plan)", () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-upgrade-"));
  const dir = path.join(project, "cdktf.out", "stacks", "platform");
  fs.mkdirSync(dir, { recursive: true });
  const run = (args: string[]) => spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
  const write = (statePath: string) =>
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: statePath } } }, resource: { terraform_data: { x: { input: "a" } } } }));
  // Before: cdktf's default, path.join(process.cwd(), "terraform.<stack>.tfstate").
  write(path.join(project, "terraform.platform.tfstate"));
  expect(run(["init", "-input=false", "-no-color"]).status).toBe(0);
  expect(run(["apply", "-auto-approve", "-input=false", "-no-color"]).status).toBe(0);
  // After: the relative path the stacks write now.
  const stack = new TerraformStack(new App({ outdir: project }), "platform");
  const relative = (localState(stack) as unknown as { props: { path: string } }).props.path;
  expect(relative).toBe("../../../terraform.platform.tfstate");
  write(relative);
  expect(run(["init", "-input=false", "-no-color"]).stderr).toMatch(/Backend configuration changed/);
  expect(run(["init", "-input=false", "-no-color", "-migrate-state", "-force-copy"]).status).toBe(0);
  expect(run(["plan", "-input=false", "-no-color"]).stdout).toMatch(/No changes/);
  fs.rmSync(project, { recursive: true, force: true });
}, 60_000);
