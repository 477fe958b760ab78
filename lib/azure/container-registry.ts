import { Construct } from "constructs";
import { ContainerRegistry } from "@cdktf/provider-azurerm/lib/container-registry";
import { DataAzurermContainerRegistry } from "@cdktf/provider-azurerm/lib/data-azurerm-container-registry";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import type { IAksCluster } from "../core/types";
import { registriesOf } from "../core/internal";
import { Problems, regionSettings } from "../guardrails/problems";
import * as R from "../guardrails/rules";
import { guardStack } from "../guardrails/auto";

/** A new registry. */
export interface NewContainerRegistryProps {
  /** Registry name: 5–50 letters and digits, globally unique. */
  readonly name: string;
  /** Resource group the registry is created in. */
  readonly resourceGroupName: string;
  /** Azure region of the registry. */
  readonly location: string;
  /** Registry SKU; `Premium` is needed for private endpoints and geo-replication. @default "Standard" */
  readonly sku?: "Basic" | "Standard" | "Premium";
  /** Azure tags: at most 50, names up to 512 characters without any of `<>%&\?/`, values up to 256 characters. @default - none */
  readonly tags?: Record<string, string>;
}

/** Properties of {@link ContainerRegistryAccess}: exactly one of `create`, `existing`, `registryId`. */
export interface ContainerRegistryAccessProps {
  /** The cluster whose kubelet identity pulls images. */
  readonly cluster: IAksCluster;
  /** Create a registry (admin user off). */
  readonly create?: NewContainerRegistryProps;
  /** Read an existing registry by name. */
  readonly existing?: { readonly name: string; readonly resourceGroupName: string };
  /** Use a registry by its resource id. */
  readonly registryId?: string;
}

/**
 * Attaches a container registry to an AKS cluster, as `az aks update --attach-acr` does: `AcrPull`
 * for the cluster's kubelet identity on the registry. The registry is new, read by name, or given
 * by id.
 */
export class ContainerRegistryAccess extends Construct {
  /** The registry resource, when created here. */
  public readonly registry?: ContainerRegistry;
  /** The registry's resource id. */
  public readonly registryId: string;
  /** `<name>.azurecr.io`, when known (new or existing by name). */
  public readonly loginServer?: string;
  /**
   * The AcrPull role assignment. Pods and deployments of this stack whose image names this
   * registry's login server start after it automatically; for images named another way, call
   * `workload.startAfter(acr.pull)`.
   */
  public readonly pull: RoleAssignment;

  constructor(scope: Construct, id: string, props: ContainerRegistryAccessProps) {
    super(scope, id);
    guardStack(this);
    validateContainerRegistryAccessProps(this, props);
    if (props.create) {
      this.registry = new ContainerRegistry(this, "registry", {
        name: props.create.name,
        resourceGroupName: props.create.resourceGroupName,
        location: props.create.location,
        sku: props.create.sku ?? "Standard",
        adminEnabled: false,
        tags: props.create.tags,
      });
      this.registryId = this.registry.id;
      this.loginServer = this.registry.loginServer;
    } else if (props.existing) {
      const data = new DataAzurermContainerRegistry(this, "registry", props.existing);
      this.registryId = data.id;
      this.loginServer = data.loginServer;
    } else {
      this.registryId = props.registryId ?? "";
    }
    this.pull = new RoleAssignment(this, "acr-pull", {
      scope: this.registryId,
      roleDefinitionName: "AcrPull",
      principalId: props.cluster.kubeletObjectId,
      principalType: "ServicePrincipal",
      skipServicePrincipalAadCheck: true,
      description: "Lets the AKS kubelet identity pull images (az aks update --attach-acr).",
    });
    // Pods whose image names this registry wait for the grant (see WorkloadBase).
    const loginServers = [this.loginServer, props.existing && `${props.existing.name.toLowerCase()}.azurecr.io`].filter(
      (s): s is string => typeof s === "string",
    );
    registriesOf(this).push({ loginServers, pull: this.pull, created: props.create !== undefined });
  }
}

function validateContainerRegistryAccessProps(scope: Construct, props: ContainerRegistryAccessProps): void {
  const p = new Problems();
  const given = [props.create, props.existing, props.registryId].filter((x) => x !== undefined).length;
  if (given !== 1) p.add(`ContainerRegistryAccess needs exactly one of create, existing or registryId (got ${given})`);
  // Learn naming rules, Microsoft.ContainerRegistry/registries: 5–50 alphanumerics, global.
  const registryName = [R.lengthBetween(5, 50), R.matches(/^[a-zA-Z0-9]+$/, "letters and digits only (container registry name)")];
  p.check("ContainerRegistryAccess.create.name", props.create?.name, ...registryName);
  p.check("ContainerRegistryAccess.existing.name", props.existing?.name, ...registryName);
  p.check("ContainerRegistryAccess.create.location", props.create?.location, R.knownRegion(regionSettings(scope)));
  p.check("ContainerRegistryAccess.create.resourceGroupName", props.create?.resourceGroupName, ...R.resourceGroupName);
  p.checkTags("ContainerRegistryAccess.create.tags", props.create?.tags);
  p.check(
    "ContainerRegistryAccess.registryId",
    props.registryId,
    R.matches(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i, "a container registry resource id"),
  );
  p.report(scope);
}
