// The naive app (main.ts) with each provider class loaded by its deep path, run through
// scripts/app.js: the same resources and output, without the package roots' load time and with
// the runner's token stack traces off. What cdktf alone takes to build and synthesize the naive
// app's output; the benchmark measures the library against it. Only the benchmark runs it.
import Module = require("module");

const packages = ["@cdktf/provider-azurerm", "@cdktf/provider-kubernetes", "@cdktf/provider-time"];
// `dataAzurermClientConfig` → `data-azurerm-client-config`, `serviceAccountV1` → `service-account-v1`.
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const roots = new Map(
  packages.map((pkg) => [
    pkg,
    new Proxy({}, { get: (_, name) => (name === "__esModule" ? true : typeof name === "string" ? require(`${pkg}/lib/${kebab(name)}`) : undefined) }),
  ]),
);
const load = (Module as any)._load;
(Module as any)._load = function (request: string, ...rest: unknown[]) {
  return roots.get(request) ?? load.call(this, request, ...rest);
};
require("./main");
