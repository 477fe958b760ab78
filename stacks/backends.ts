import { AzurermBackend, CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformStack } from "cdktf";
import type { StateSpec } from "./environments/types";

/**
 * Where a stack keeps its state, with cdktf's own backends. Cross-stack references
 * (cdktf turns them into outputs and `terraform_remote_state` data sources) then read the producer
 * stack's state from the same place, with every backend.
 */

/**
 * Local state next to the synth output directory (with the default `cdktf.out`: in the project
 * directory, where cdktf's default puts it, `terraform.<stack>.tfstate`), written as a path relative
 * to the stack's working directory `<outdir>/stacks/<stack>`, where cdktf runs Terraform (and
 * Terraform resolves a relative local `path` against its working directory). cdktf's default
 * LocalBackend writes `path.join(process.cwd(), …)` (cdktf 0.21 lib/backends/local-backend.js), an
 * absolute machine path, into every synthesized stack and every `terraform_remote_state` that reads
 * it. Every stack's working directory sits at the same depth, so the same relative path reaches the
 * file from a consumer's `terraform_remote_state` too.
 */
export function localState(stack: TerraformStack): LocalBackend {
  return new LocalBackend(stack, { path: `../../../terraform.${stack.node.id}.tfstate` });
}

/** The backend `state` asks for, for one stack of environment `environment`. */
export function environmentState(stack: TerraformStack, environment: string, state: StateSpec | undefined): void {
  const id = stack.node.id;
  switch (state?.backend ?? "local") {
    case "local":
      localState(stack);
      return;
    case "azurerm": {
      const s = state as Extract<StateSpec, { backend: "azurerm" }>;
      new AzurermBackend(stack, {
        resourceGroupName: s.resourceGroup,
        storageAccountName: s.storageAccount,
        containerName: s.container,
        // One blob per stack under the environment's prefix: stacks never share a state or a lock.
        key: `${s.keyPrefix ?? environment}/${id}.tfstate`,
        // Azure AD (Entra) sign-in to the blob service; the account has shared keys disabled, so
        // no access key or SAS token is ever read or needed (docs/environments.md, Bootstrapping the state storage).
        useAzureadAuth: true,
        ...(s.useOidc ? { useOidc: true } : {}),
        ...(s.subscription ? { subscriptionId: s.subscription } : {}),
        ...(s.tenant ? { tenantId: s.tenant } : {}),
      });
      return;
    }
    case "cloud": {
      const s = state as Extract<StateSpec, { backend: "cloud" }>;
      // One workspace per stack, by name: cdktf's cross-stack references through the cloud
      // backend need named workspaces (tagged ones throw; cdktf 0.21 lib/backends/cloud-backend.js).
      new CloudBackend(stack, {
        organization: s.organization,
        ...(s.hostname ? { hostname: s.hostname } : {}),
        workspaces: new NamedCloudWorkspace(`${s.workspacePrefix ?? ""}${id}`),
      });
      return;
    }
  }
}
