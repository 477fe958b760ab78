import { Annotations, TerraformResource, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { addDependency, addLibraryValidation, clusterKeys, isUnresolved, perApp } from "../core/internal";
import type { IAksCluster, IIdentityBinding, IManagedIdentity } from "../core/types";
import { guardStack } from "../guardrails/auto";
import { countBindingCredential, identityBindingApiVersion, identityBindingName, identityResourceIdWarnings } from "../guardrails/identity-binding";
import { Problems } from "../guardrails/problems";
import { AzapiProvider, AzapiResource } from "./azapi";
import { identityKeys, identityRecord } from "./private/identity-records";

/** The ARM resource type of an identity binding. */
export const IDENTITY_BINDING_RESOURCE_TYPE = "Microsoft.ContainerService/managedClusters/identityBindings";

/** The API version written by default: the stable 2026-05-01 (2026-04-01 is the first stable one). */
export const IDENTITY_BINDING_API_VERSION = "2026-05-01";

/** The audience of the service account tokens the webhook projects into binding-mode pods. */
export const IDENTITY_BINDING_AUDIENCE = "api://AKSIdentityBinding";

/** Properties of {@link IdentityBinding}. */
export interface IdentityBindingProps {
  /** The AKS cluster whose workloads may use the identity (an AksWithOidc or `AksWithOidc.fromExisting`). */
  readonly cluster: IAksCluster;
  /** The user-assigned managed identity to bind. */
  readonly identity: IManagedIdentity;
  /**
   * The binding's name, unique in the cluster: 1–63 lowercase letters and digits, starting with a
   * letter (`^[a-z][a-z0-9]{0,63}$`).
   */
  readonly name: string;
  /**
   * The API version of `Microsoft.ContainerService/managedClusters/identityBindings`.
   * @default "2026-05-01"
   */
  readonly apiVersion?: string;
  /**
   * The azapi provider that creates the binding.
   * @default - the stack's default azapi provider, added with default settings when the stack has none
   */
  readonly provider?: AzapiProvider;
}

/**
 * Preview: an AKS identity binding – one user-assigned managed identity made usable by workloads
 * of one cluster without a federated credential per cluster and service account. AKS writes a
 * single federated credential, `aks-identity-binding`, on the identity (shared by all bindings of
 * the identity; it counts toward Entra's 20 and AKS never removes it), and runs a token proxy that
 * exchanges tokens of audience `api://AKSIdentityBinding` for the service accounts a ClusterRole
 * allows. Use it from {@link FederatedWorkload} with `identityBinding`, which writes the
 * ClusterRole, ClusterRoleBinding and annotations.
 *
 * Created with azapi's `azapi_resource` (azurerm has no resource for it). Preview on the AKS side:
 * register the `IdentityBindingPreview` feature, and workloads need webhook v1.6.0 or later and
 * an Azure Identity SDK with the token-proxy option (docs/identity-bindings.md).
 */
export class IdentityBinding extends Construct implements IIdentityBinding {
  /** The `azapi_resource` of type `Microsoft.ContainerService/managedClusters/identityBindings@<apiVersion>`. */
  public readonly resource: AzapiResource;
  /** The binding's name. */
  public readonly bindingName: string;
  /** The cluster it binds the identity to. */
  public readonly cluster: IAksCluster;
  /** The identity it binds. */
  public readonly identity: IManagedIdentity;
  /** The binding's Azure resource id. */
  public readonly bindingId: string;
  /**
   * The issuer AKS keeps for the identity (`https://ib.oic.prod-aks.azure.com/<tenant>/<client id>`):
   * the same for every binding of the identity, known after apply.
   */
  public readonly oidcIssuerUrl: string;

  /**
   * @param scope - the construct scope
   * @param id - construct id
   * @param props - cluster, identity and name
   */
  constructor(scope: Construct, id: string, props: IdentityBindingProps) {
    super(scope, id);
    guardStack(this);
    this.cluster = props.cluster;
    this.identity = props.identity;
    this.bindingName = props.name;
    const apiVersion = props.apiVersion ?? IDENTITY_BINDING_API_VERSION;
    validateIdentityBindingProps(this, props, apiVersion);

    const stack = TerraformStack.of(this);
    const provider = props.provider ?? AzapiProvider.defaultOf(stack) ?? new AzapiProvider(stack, "azapi");
    this.resource = new AzapiResource(this, "binding", {
      provider,
      type: `${IDENTITY_BINDING_RESOURCE_TYPE}@${apiVersion}`,
      name: props.name,
      parentId: props.cluster.clusterId,
      // REST API spec 2026-05-01 example IdentityBindings_Create_Or_Update.json: the body is
      // properties.managedIdentity.resourceId, and that field is create-only (x-ms-mutability read, create).
      body: { properties: { managedIdentity: { resourceId: props.identity.identityId } } },
      // azapi 2.5.0 validates body and api-version against its embedded type index
      // (internal/services/resource.go schemaValidate: an api-version it does not list is an
      // error); its index has no Microsoft.ContainerService 2026-04-01 or 2026-05-01 (first in
      // v2.11.0 and v2.12.0: internal/azure/generated/containerservice_1/...).
      schemaValidationEnabled: false,
      // azapi 2.5.0 reads the body back with utils.UpdateObject: without ignore_casing a resource id
      // returned in another letter case (ARM's resourcegroups) diffs on every plan.
      ignoreCasing: true,
      // The identity cannot be changed in place (create-only): another identity replaces the
      // binding (azapi 2.5.0 azapi_resource.go ModifyPlan, replace_triggers_refs).
      replaceTriggersRefs: ["properties.managedIdentity.resourceId"],
      // A re-created identity keeps its resource id but not its credentials: AKS writes its
      // credential only when a binding is created, so a new client id re-creates the binding.
      replaceTriggersExternalValues: { identity_client_id: props.identity.clientId },
      responseExportValues: {
        oidc_issuer_url: "properties.oidcIssuer.oidcIssuerUrl",
        client_id: "properties.managedIdentity.clientId",
        object_id: "properties.managedIdentity.objectId",
        tenant_id: "properties.managedIdentity.tenantId",
      },
    });
    this.bindingId = this.resource.id;
    this.oidcIssuerUrl = this.resource.outputValue("oidc_issuer_url");

    // The credential AKS writes is one of the identity's 20, and it is a write under the identity:
    // chained with the identity's other credential writes in this stack (Azure answers 409
    // ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity to concurrent ones).
    const record = identityRecord(this, props.identity);
    countBindingCredential(this, record, describeIdentity(props.identity));
    const previous = record.lastInStack.get(stack);
    if (previous) addDependency(this.resource, previous);
    record.lastInStack.set(stack, this.resource);
    registerBinding(this);
    checkApiServerVnetIntegration(this, props.cluster.clusterResource);
  }
}

function describeIdentity(identity: IManagedIdentity): string {
  return isUnresolved(identity.identityId) ? (identity as unknown as Construct).node?.path ?? "(identity)" : JSON.stringify(identity.identityId);
}

function validateIdentityBindingProps(scope: IdentityBinding, props: IdentityBindingProps, apiVersion: string): void {
  const p = new Problems();
  p.check("IdentityBinding name", props.name, ...identityBindingName);
  p.check("IdentityBinding apiVersion", apiVersion, ...identityBindingApiVersion);
  p.report(scope);
  // The identity's resource group and name, when known at synth (the key the identity records keep).
  const key = identityKeys.get(props.identity);
  if (key !== undefined && !isUnresolved(key) && key.split("/").length === 2) {
    const [rg, name] = key.split("/");
    for (const w of identityResourceIdWarnings(rg, name)) Annotations.of(scope).addWarning(w);
  }
}

/** Bindings of the app, per cluster: a name is unique per cluster, and one identity needs one binding per cluster. */
const bindingsOf = perApp(() => new Map<string, IdentityBinding[]>());

function registerBinding(binding: IdentityBinding): void {
  const cluster = clusterKeys.get(binding.cluster) ?? (isUnresolved(binding.cluster.clusterId) ? binding.cluster.clusterId : binding.cluster.clusterId.toLowerCase());
  const map = bindingsOf(binding);
  const list = map.get(cluster) ?? [];
  map.set(cluster, list);
  const p = new Problems();
  for (const other of list) {
    if (other.bindingName === binding.bindingName) {
      p.add(`IdentityBinding name ${JSON.stringify(binding.bindingName)} is already used on the same cluster by ${other.node.path}; binding names are unique per cluster`);
    }
    if (other.identity === binding.identity || (!isUnresolved(other.identity.identityId) && other.identity.identityId.toLowerCase() === binding.identity.identityId.toLowerCase())) {
      p.add(`IdentityBinding identity is already bound to the same cluster by ${other.node.path}; one binding per identity and cluster is enough – reuse it`);
    }
  }
  list.push(binding);
  p.report(binding);
}

/**
 * Identity bindings are not supported on clusters with API server VNet integration
 * (identity-bindings-concepts.md, "What limitations exist"). Visible when this app creates the
 * cluster: read from the cluster resource as synthesized (overrides included); an existing cluster's
 * setting is not known at synth.
 */
function checkApiServerVnetIntegration(binding: IdentityBinding, clusterResource: TerraformResource | undefined): void {
  if (!clusterResource || clusterResource.terraformResourceType !== "azurerm_kubernetes_cluster") return;
  addLibraryValidation(binding, () => {
    const body = (clusterResource.toTerraform() as any)?.resource?.azurerm_kubernetes_cluster?.[clusterResource.friendlyUniqueId];
    const profile = body?.api_server_access_profile;
    const enabled = (Array.isArray(profile) ? profile : [profile]).some((x: any) => x?.virtual_network_integration_enabled === true || x?.virtual_network_integration_enabled === "true");
    return enabled
      ? [
          `IdentityBinding cluster ${clusterResource.node.path} has api_server_access_profile.virtual_network_integration_enabled = true; ` +
            "AKS does not support identity bindings with API server VNet integration – use direct federation (FederatedWorkload without identityBinding) on this cluster",
        ]
      : [];
  });
}
