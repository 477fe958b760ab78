import { Fn, TerraformProvider, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { DataAzurermUserAssignedIdentity } from "@cdktf/provider-azurerm/lib/data-azurerm-user-assigned-identity";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { TOKEN_EXCHANGE_AUDIENCE } from "../core/constants";
import { addDependency, addLibraryValidation, constructCredentials, isUnresolved } from "../core/internal";
import type { FederatedCredentialOptions, IManagedIdentity } from "../core/types";
import { Problems, regionSettings } from "../guardrails/problems";
import { validateFederatedCredential } from "../guardrails/federated-credential";
import { identityKeys, identityRecord } from "./private/identity-records";
import * as R from "../guardrails/rules";
import { guardStack } from "../guardrails/auto";

/** Properties of a new {@link ManagedIdentity}. */
export interface ManagedIdentityProps {
  /** Identity name (3–128 characters: letters, digits, `-`, `_`; starts alphanumeric). */
  readonly name: string;
  /** Resource group the identity is created in. */
  readonly resourceGroupName: string;
  /** Azure region. Federated credentials are not available on user-assigned identities in some regions. */
  readonly location: string;
  /** Azure tags: at most 50, names up to 512 characters without any of `<>%&\?/`, values up to 256 characters. @default - none */
  readonly tags?: Record<string, string>;
}

/** Attributes of an identity managed elsewhere, for {@link ManagedIdentity.fromAttributes}. */
export interface ManagedIdentityAttributes {
  /**
   * Azure resource id of the identity:
   * `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`,
   * in any letter case, or a value known only at apply. A literal id in another form is refused.
   */
  readonly identityId: string;
  /** Client (application) id of the identity: a GUID, or a value known only at apply. */
  readonly clientId: string;
  /** Object id of the identity's service principal: a GUID, or a value known only at apply. */
  readonly principalId: string;
  /** Tenant id of the identity: a GUID, or a value known only at apply. */
  readonly tenantId: string;
  /**
   * The identity's resource group: needed only when `identityId` is known only at apply; with a
   * literal id it must equal the id's resource group, exactly. @default - parsed from `identityId`
   */
  readonly resourceGroupName?: string;
}

/**
 * A user-assigned managed identity: new, read from Azure ({@link ManagedIdentity.fromExisting}),
 * or given by its attributes ({@link ManagedIdentity.fromAttributes}). Share one object between
 * workloads that should act as the same identity: it serializes their federated credentials.
 */
export class ManagedIdentity extends Construct implements IManagedIdentity {
  /** Reads an existing identity through an `azurerm_user_assigned_identity` data source. */
  public static fromExisting(
    scope: Construct,
    id: string,
    props: { readonly name: string; readonly resourceGroupName: string },
  ): ManagedIdentity {
    const identity = new ManagedIdentity(scope, id);
    const data = new DataAzurermUserAssignedIdentity(identity, "identity", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
    });
    validateExistingIdentityProps(identity, props);
    identity.init(data.id, data.clientId, data.principalId, data.tenantId, props.resourceGroupName, identityKey(props.resourceGroupName, props.name));
    return identity;
  }

  /**
   * Refers to an identity by its attributes (no Terraform object is created for it). A literal
   * `identityId` is written in the canonical spelling (`resourceGroups`,
   * `Microsoft.ManagedIdentity/userAssignedIdentities`), whatever the case it was copied in.
   * The identity must be in the azurerm provider's subscription: azurerm 4.55 writes a federated
   * credential in the provider's subscription and `resource_group_name`, taking only the identity's
   * name from `parent_id` (federated_identity_credential_resource.go, Create and Read); a provider
   * configured with another literal `subscriptionId` is a synth error.
   */
  public static fromAttributes(scope: Construct, id: string, attrs: ManagedIdentityAttributes): ManagedIdentity {
    const identity = new ManagedIdentity(scope, id);
    // A literal id names its identity; an id known only at apply is split by Terraform, and the
    // token itself is the key.
    const parsed = isUnresolved(attrs.identityId) ? null : IDENTITY_ID.exec(attrs.identityId);
    validateIdentityAttributes(identity, attrs, parsed);
    if (!parsed) {
      const rg = attrs.resourceGroupName ?? Fn.element(Fn.split("/", attrs.identityId), 4);
      identity.init(attrs.identityId, attrs.clientId, attrs.principalId, attrs.tenantId, rg, attrs.identityId);
      return identity;
    }
    const [, subscription, rg, name] = parsed;
    // azurerm checks parent_id with a case-sensitive parser (go-azure-helpers commonids
    // ValidateUserAssignedIdentityID → ParseUserAssignedIdentityID), and `az` prints
    // `resourcegroups`: the fixed segments are written as that parser wants them.
    const canonical = `/subscriptions/${subscription}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
    identity.init(canonical, attrs.clientId, attrs.principalId, attrs.tenantId, rg, identityKey(rg, name));
    identity.subscription = subscription;
    return identity;
  }

  /** The `azurerm_user_assigned_identity` resource, when this construct created one. */
  public readonly resource?: UserAssignedIdentity;
  /** Azure resource id of the identity: the `parent_id` of its federated credentials. */
  public identityId!: string;
  /** Client (application) id of the identity: the service account's `azure.workload.identity/client-id`. */
  public clientId!: string;
  /** Object id of the identity's service principal: the principal of its role assignments and access policies. */
  public principalId!: string;
  /** Tenant id of the identity. */
  public tenantId!: string;
  /** Resource group of the identity: where its federated credentials are written. */
  public resourceGroupName!: string;
  private readonly credentials: FederatedIdentityCredential[] = [];
  /** The subscription of an identity given by a literal id (fromAttributes). */
  private subscription?: string;

  constructor(scope: Construct, id: string, props?: ManagedIdentityProps) {
    super(scope, id);
    guardStack(this);
    if (props) {
      validateManagedIdentityProps(this, props);
      // A second identity of the same name and resource group anywhere in the app is reported by
      // the app-wide name registry (guardrails/registry.ts).
      this.resource = new UserAssignedIdentity(this, "identity", {
        name: props.name,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        tags: props.tags,
      });
      const r = this.resource;
      this.init(r.id, r.clientId, r.principalId, r.tenantId, r.resourceGroupName, identityKey(props.resourceGroupName, props.name));
    }
  }

  private init(identityId: string, clientId: string, principalId: string, tenantId: string, rg: string, azureKey: string): void {
    identityKeys.set(this, azureKey);
    this.identityId = identityId;
    this.clientId = clientId;
    this.principalId = principalId;
    this.tenantId = tenantId;
    this.resourceGroupName = rg;
  }

  /** The federated credentials added through this object, in creation order. */
  public get federatedCredentials(): readonly FederatedIdentityCredential[] {
    return this.credentials;
  }

  /**
   * Adds a federated identity credential to this identity. Credentials of one identity are created
   * one after another within a stack (Azure refuses concurrent writes under one identity), whichever
   * object refers to it. More than 20 credentials on one identity, or two with the same issuer and
   * subject, are refused at synth.
   *
   * @param scope - the construct the credential is created in (its stack gets the resource)
   * @param id - the credential's construct id
   * @param options - the credential's name, issuer, subject and audience
   * @returns the `azurerm_federated_identity_credential` resource
   */
  public addFederatedCredential(
    scope: Construct,
    id: string,
    options: FederatedCredentialOptions,
  ): FederatedIdentityCredential {
    const audience = options.audience ?? TOKEN_EXCHANGE_AUDIENCE;
    const credential = new FederatedIdentityCredential(scope, id, {
      name: options.name,
      resourceGroupName: this.resourceGroupName,
      parentId: this.subscription ? inProviderSpelling(this.identityId, this.subscription, scope) : this.identityId,
      issuer: options.issuer,
      subject: options.subject,
      audience: [audience],
    });
    constructCredentials.add(credential);
    if (this.subscription) checkProviderSubscription(credential, this.subscription);
    // One record per Azure identity, however many objects (new, fromExisting, fromAttributes, in
    // any stack of the app) refer to it: the 20-credential limit and issuer + subject uniqueness
    // are Entra's, per identity.
    const record = identityRecord(this, this);
    validateFederatedCredential(credential, options, record, "managed identity");
    // Azure answers 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity when
    // two credentials of one identity are written at once: chain them, across every object that
    // names the identity in this stack (other stacks are applied one after another by cdktf deploy).
    const stack = TerraformStack.of(credential);
    const previous = record.lastInStack.get(stack);
    if (previous) addDependency(credential, previous);
    record.lastInStack.set(stack, credential);
    this.credentials.push(credential);
    return credential;
  }
}

/**
 * `<resource group>/<name>`, lowercased (Azure resource names are case-insensitive). Values known
 * only at apply are cdktf token strings, unique per value: the same token twice is the same value,
 * so the key stays exact. The subscription is not part of the key (it is rarely known at synth),
 * so two identities of one name and resource group in different subscriptions of one app would be
 * counted together.
 */
function identityKey(resourceGroupName: string, name: string): string {
  return `${resourceGroupName}/${name}`.toLowerCase();
}

/**
 * azurerm 4.55 creates a federated credential in its provider's subscription and takes only the
 * identity's name from `parent_id` (federated_identity_credential_resource.go, Create: the id is
 * built from `metadata.Client.Account.SubscriptionId`; Read rebuilds `parent_id` from it). An
 * identity in another subscription is then not the one written to, and `parent_id` differs on
 * every read (ForceNew). Checked when both subscriptions are literals.
 */
function checkProviderSubscription(credential: FederatedIdentityCredential, subscription: string): void {
  const providerSubscription = defaultProviderSubscription(credential);
  if (providerSubscription === undefined || isUnresolved(providerSubscription) || providerSubscription.toLowerCase() === subscription.toLowerCase()) return;
  addLibraryValidation(credential, () => [
      `ManagedIdentity.fromAttributes identityId is in subscription ${JSON.stringify(subscription)}, but the azurerm provider of this stack ` +
        `uses subscription ${JSON.stringify(providerSubscription)}: azurerm writes the federated credential in the provider's subscription, ` +
        "so it would not reach this identity (and would be replaced on every plan); create the credential in a stack whose azurerm provider uses the identity's subscription",
    ]
  );
}

/** The literal or token `subscription_id` of the stack's default (unaliased) azurerm provider, if set. */
function defaultProviderSubscription(scope: Construct): string | undefined {
  // A credential is made without a provider, so it uses the stack's default azurerm provider.
  const provider = TerraformStack.of(scope).node.children.find(
    (c): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === "azurerm" && !(c as { alias?: string }).alias,
  );
  return (provider as { subscriptionId?: string } | undefined)?.subscriptionId;
}

/**
 * `identityId` with its subscription written as the stack's azurerm provider spells it, when the two
 * differ only in letter case: azurerm 4.55 reads `parent_id` back built from the provider's
 * subscription (federated_identity_credential_resource.go, Read), and `parent_id` is ForceNew, so
 * another spelling would replace the credential on every apply.
 */
function inProviderSpelling(identityId: string, subscription: string, scope: Construct): string {
  const providerSubscription = defaultProviderSubscription(scope);
  if (providerSubscription === undefined || isUnresolved(providerSubscription) || providerSubscription === subscription) return identityId;
  if (providerSubscription.toLowerCase() !== subscription.toLowerCase()) return identityId; // refused by checkProviderSubscription
  return identityId.replace(`/subscriptions/${subscription}/`, `/subscriptions/${providerSubscription}/`);
}

/** A user-assigned identity's id: subscription, resource group, name (any case, as ARM takes it). */
const IDENTITY_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)$/i;

function validateIdentityAttributes(scope: Construct, attrs: ManagedIdentityAttributes, parsed: RegExpExecArray | null): void {
  const p = new Problems();
  if (!parsed && !isUnresolved(attrs.identityId)) {
    p.add(
      `ManagedIdentity.fromAttributes identityId ${JSON.stringify(attrs.identityId)} must be a user-assigned identity id, ` +
        "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name> " +
        "(azurerm refuses any other parent_id at plan)",
    );
  }
  if (parsed) {
    p.check("ManagedIdentity.fromAttributes identityId subscription", parsed[1], ...R.subscriptionId);
    p.check("ManagedIdentity.fromAttributes identityId resource group", parsed[2], ...R.resourceGroupName);
    p.check("ManagedIdentity.fromAttributes identityId name", parsed[3], ...R.identityName);
    if (attrs.resourceGroupName !== undefined && !isUnresolved(attrs.resourceGroupName) && attrs.resourceGroupName !== parsed[2]) {
      p.add(
        `ManagedIdentity.fromAttributes resourceGroupName ${JSON.stringify(attrs.resourceGroupName)} differs from the resource group ` +
          `${JSON.stringify(parsed[2])} in identityId: azurerm writes the credential under resource_group_name and reads parent_id back ` +
          "from it, so the credential would land on another identity or be replaced on every plan; drop resourceGroupName or make them equal",
      );
    }
  }
  // The webhook injects clientId as AZURE_CLIENT_ID; Entra refuses a token request for anything else.
  p.check("ManagedIdentity.fromAttributes clientId", attrs.clientId, ...R.guid("client id"));
  p.check("ManagedIdentity.fromAttributes principalId", attrs.principalId, ...R.guid("principal object id"));
  p.check("ManagedIdentity.fromAttributes tenantId", attrs.tenantId, ...R.tenantId);
  p.report(scope);
}

function validateExistingIdentityProps(scope: Construct, props: { readonly name: string; readonly resourceGroupName: string }): void {
  const p = new Problems();
  p.check("ManagedIdentity.fromExisting name", props.name, ...R.identityName);
  p.check("ManagedIdentity.fromExisting resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.report(scope);
}

function validateManagedIdentityProps(scope: Construct, props: ManagedIdentityProps): void {
  const settings = regionSettings(scope);
  const p = new Problems();
  p.check("ManagedIdentity.name", props.name, ...R.identityName);
  p.check("ManagedIdentity.resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.check("ManagedIdentity.location", props.location, R.knownRegion(settings), R.federationRegion(settings));
  p.checkTags("ManagedIdentity.tags", props.tags);
  p.report(scope);
}
