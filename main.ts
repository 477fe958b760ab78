import { App } from "cdktf";
import { GuardrailError } from "./lib/guardrails/check-app";
import { buildConfiguredApp, checkConfiguredApp, ConfigError, EnvironmentError, environmentThenContext } from "./stacks";

// `cdktf synth|diff|deploy` runs this file. With environment files (ENVIRONMENTS_DIR, default
// `environments/`), it builds every environment's stacks; without, the default app, whose settings
// come from the walkthroughs' environment variables, then cdktf context, then defaults (see
// README, "Configuration" and "Environments").
const app = new App();
try {
  buildConfiguredApp(app, environmentThenContext(process.env, (name) => app.node.tryGetContext(name)));
  checkConfiguredApp(app); // every problem of every stack at once (at its file and line), before anything is written
  app.synth();
} catch (error) {
  if (error instanceof ConfigError || error instanceof EnvironmentError || error instanceof GuardrailError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
