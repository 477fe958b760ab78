/**
 * The example environments workflow's deploy job, read as GitHub runs it: its step script run in
 * bash with stand-ins for npm, npx (cdktf) and curl; and the state default it relies on.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { App } from "cdktf";
import { buildConfiguredApp, ConfigError } from "../stacks";

const root = path.join(__dirname, "..");
const workflow = parse(fs.readFileSync(path.join(root, "examples", "github-actions", "environments.yml"), "utf8"));
const deploy = workflow.jobs.deploy;
const deployStep = deploy.steps.find((s: any) => typeof s.name === "string" && s.name.startsWith("Deploy"));

/**
 * Runs the deploy step for `dev` in a scratch directory. The cdktf stand-in writes a stack asking
 * for `variables`, and on deploy records the TF_VAR_* and AZURE_* variables it was given.
 */
function runDeploy(secrets: Record<string, string>, variables: string[], loginMode = "workloadidentity") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-deploy-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(dir, "environments"));
  fs.writeFileSync(path.join(dir, "environments", "dev.yaml"), "location: eastus\n");
  const stack = JSON.stringify({
    provider: { kubernetes: [{ exec: [{ command: "kubelogin", args: ["get-token", "--login", loginMode, "--server-id", "x"] }] }] },
    variable: Object.fromEntries(variables.map((v) => [v, { type: "string" }])),
  });
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  stub("npm", "exit 0");
  stub(
    "npx",
    `if [ "$2" = synth ]; then mkdir -p cdktf.out/stacks/dev-payments && echo '${stack}' > cdktf.out/stacks/dev-payments/cdk.tf.json; fi
if [ "$2" = deploy ]; then { env | grep -E '^(TF_VAR_|SECRETS)' | sort; echo "args=$*"; } > deployed.txt; fi`,
  );
  const result = spawnSync("bash", ["-e", "-c", deployStep.run], {
    cwd: dir,
    encoding: "utf8",
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      RUNNER_TEMP: dir,
      ENVIRONMENT: "dev",
      SECRETS: JSON.stringify({ github_token: "ghs", AZURE_CLIENT_ID: "client", AZURE_TENANT_ID: "tenant", AZURE_SUBSCRIPTION_ID: "sub", ...secrets }),
    },
  });
  const deployed = fs.existsSync(path.join(dir, "deployed.txt")) ? fs.readFileSync(path.join(dir, "deployed.txt"), "utf8") : undefined;
  return { status: result.status, stdout: result.stdout, deployed };
}

describe("the environments workflow's deploy job", () => {
  test("keeps deploying the other environments when one fails (fail-fast off)", () => {
    expect(deploy.strategy["fail-fast"]).toBe(false);
  });

  test("maps each new secret's value from the GitHub secret KEYVAULT_SECRET_<NAME>", () => {
    const run = runDeploy({ KEYVAULT_SECRET_PAYMENTS_DB_PASSWORD: "s3cret value" }, ["keyvault_secret_payments_db_password"]);
    expect(run.status).toBe(0);
    expect(run.deployed).toContain("TF_VAR_keyvault_secret_payments_db_password=s3cret value\n");
    expect(run.deployed).toMatch(/args=cdktf deploy dev-\* --auto-approve --skip-synth/);
  });

  test("fails before deploying, naming the GitHub secret a new Key Vault secret needs", () => {
    const run = runDeploy({}, ["keyvault_secret_search_admin_key"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/::error::secrets not set in the GitHub environment dev: KEYVAULT_SECRET_SEARCH_ADMIN_KEY/);
    expect(run.deployed).toBeUndefined();
  });

  test("refuses an environment whose kubelogin would sign in with azurecli (no az login in CI)", () => {
    const run = runDeploy({}, [], "azurecli");
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/::error::environments\/dev\.yaml signs kubelogin in with azurecli; in CI set kubernetes: \{ kubeloginMode: workloadidentity \}/);
    expect(run.deployed).toBeUndefined();
  });

  test("hands the deploy the secret values only as TF_VAR_*, not the whole secrets object", () => {
    const run = runDeploy({ KEYVAULT_SECRET_A: "x" }, ["keyvault_secret_a"]);
    expect(run.deployed).not.toMatch(/^SECRETS=/m);
  });

  test("fails before deploying when the GitHub environment lacks the Azure ids", () => {
    const run = runDeploy({ AZURE_TENANT_ID: "" }, []);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/::error::secrets not set in the GitHub environment dev: AZURE_TENANT_ID/);
  });

  test("keeps the state of files without `state` in Azure Storage (TFSTATE_* from the environment's secrets)", () => {
    expect(deploy.env).toMatchObject({
      TFSTATE_RESOURCE_GROUP: "${{ secrets.TFSTATE_RESOURCE_GROUP }}",
      TFSTATE_STORAGE_ACCOUNT: "${{ secrets.TFSTATE_STORAGE_ACCOUNT }}",
      TFSTATE_CONTAINER: "${{ secrets.TFSTATE_CONTAINER }}",
    });
  });
});

describe("the default state of environment files without `state`", () => {
  const examples = path.join(root, "examples", "environments");
  function stacksWith(settings: Record<string, string>): Record<string, any> {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-state-"));
    const app = new App({ outdir });
    buildConfiguredApp(app, (n) => ({ ENVIRONMENTS_DIR: examples, ...settings })[n]);
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    return Object.fromEntries(Object.entries<any>(manifest.stacks).map(([n, s]) => [n, JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8"))]));
  }
  const TFSTATE = { TFSTATE_RESOURCE_GROUP: "rg-tfstate", TFSTATE_STORAGE_ACCOUNT: "stazwitfstate", TFSTATE_CONTAINER: "tfstate" };

  test("is Azure Storage when TFSTATE_* are set: one blob per stack under the environment's name, OIDC in CI", () => {
    const stacks = stacksWith({ ...TFSTATE, ARM_USE_OIDC: "true" });
    expect(stacks["dev-payments"].terraform.backend).toEqual({
      azurerm: { resource_group_name: "rg-tfstate", storage_account_name: "stazwitfstate", container_name: "tfstate", key: "dev/dev-payments.tfstate", use_azuread_auth: true, use_oidc: true },
    });
    // The consumer reads the platform's outputs from the same place.
    expect(stacks["dev-payments"].data.terraform_remote_state["cross-stack-reference-input-dev-platform"].config.key).toBe("dev/dev-platform.tfstate");
    // A file's own state wins.
    expect(stacks["prod-payments"].terraform.backend.azurerm.key).toBe("azwi/prod/prod-payments.tfstate");
  });

  test("is local files without TFSTATE_*", () => {
    expect(Object.keys(stacksWith({})["dev-payments"].terraform.backend)).toEqual(["local"]);
  });

  test("refuses some TFSTATE_* without the others", () => {
    const settings: Record<string, string> = { ENVIRONMENTS_DIR: examples, TFSTATE_CONTAINER: "tfstate" };
    const build = () => buildConfiguredApp(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-state-")) }), (n) => settings[n]);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/TFSTATE_CONTAINER set but TFSTATE_RESOURCE_GROUP, TFSTATE_STORAGE_ACCOUNT not/);
  });
});

test("the deploy step's script is valid bash", () => {
  expect(() => execFileSync("bash", ["-n", "-c", deployStep.run])).not.toThrow();
});

test("the default app keeps its state in Azure Storage too when TFSTATE_* are set", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-state-"));
  const app = new App({ outdir });
  const settings: Record<string, string> = { TFSTATE_RESOURCE_GROUP: "rg-tfstate", TFSTATE_STORAGE_ACCOUNT: "stazwitfstate", TFSTATE_CONTAINER: "tfstate" };
  buildConfiguredApp(app, (n) => settings[n]);
  app.synth();
  const workload = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "workload", "cdk.tf.json"), "utf8"));
  expect(workload.terraform.backend.azurerm).toMatchObject({ storage_account_name: "stazwitfstate", key: "default/workload.tfstate", use_azuread_auth: true });
});
