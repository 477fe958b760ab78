import { App } from "cdktf";
import { buildApp, environmentThenContext, loadConfig } from "./stacks";

const app = new App();
const config = loadConfig(environmentThenContext(process.env, (name) => app.node.tryGetContext(name)));
buildApp(app, config);
app.synth();
