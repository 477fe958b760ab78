import { Fn, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { DataAzurermUserAssignedIdentity } from "@cdktf/provider-azurerm/lib/data-azurerm-user-assigned-identity";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { TOKEN_EXCHANGE_AUDIENCE } from "../core/constants";
import { addDependency, constructCredentials, perApp } from "../core/internal";
import type { FederatedCredentialOptions, IManagedIdentity } from "../core/types";
import { Problems, regionSettings } from "../guardrails/problems";
import { validateFederatedCredential } from "../guardrails/federated-credential";
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
  /** Tags. @default none */
  readonly tags?: Record<string, string>;
}

/** Attributes of an identity managed elsewhere, for {@link ManagedIdentity.fromAttributes}. */
export interface ManagedIdentityAttributes {
  readonly identityId: string;
  readonly clientId: string;
  readonly principalId: string;
  readonly tenantId: string;
  /** @default parsed from `identityId` */
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

  /** Refers to an identity by its attributes (no Terraform object is created for it). */
  public static fromAttributes(scope: Construct, id: string, attrs: ManagedIdentityAttributes): ManagedIdentity {
    const identity = new ManagedIdentity(scope, id);
    const rg = attrs.resourceGroupName ?? resourceGroupFromId(attrs.identityId);
    // A literal id names its identity; a token's string never matches, and the token itself is the key.
    const parsed = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)$/i.exec(attrs.identityId);
    identity.init(attrs.identityId, attrs.clientId, attrs.principalId, attrs.tenantId, rg, parsed ? identityKey(parsed[1], parsed[2]) : attrs.identityId);
    return identity;
  }

  /** The `azurerm_user_assigned_identity` resource, when this construct created one. */
  public readonly resource?: UserAssignedIdentity;
  public identityId!: string;
  public clientId!: string;
  public principalId!: string;
  public tenantId!: string;
  public resourceGroupName!: string;
  private readonly credentials: FederatedIdentityCredential[] = [];
  /** Which Azure identity this is, when knowable at synth: objects with one key share one credential record. */
  private azureKey!: string;

  constructor(scope: Construct, id: string, props?: ManagedIdentityProps) {
    super(scope, id);
    guardStack(this);
    if (props) {
      validateManagedIdentityProps(this, props);
      const key = identityKey(props.resourceGroupName, props.name);
      const first = createdIdentities(this).get(key);
      if (first) {
        this.node.addValidation({
          validate: () => [
            `ManagedIdentity.name ${JSON.stringify(props.name)} in resource group ${JSON.stringify(props.resourceGroupName)} is already created by ${first}; ` +
              "Azure would refuse the second create (the resource already exists) – share that identity object instead",
          ],
        });
      } else {
        createdIdentities(this).set(key, this.node.path);
      }
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
    this.azureKey = azureKey;
    this.identityId = identityId;
    this.clientId = clientId;
    this.principalId = principalId;
    this.tenantId = tenantId;
    this.resourceGroupName = rg;
  }

  public get federatedCredentials(): readonly FederatedIdentityCredential[] {
    return this.credentials;
  }

  public addFederatedCredential(
    scope: Construct,
    id: string,
    options: FederatedCredentialOptions,
  ): FederatedIdentityCredential {
    const audience = options.audience ?? TOKEN_EXCHANGE_AUDIENCE;
    const credential = new FederatedIdentityCredential(scope, id, {
      name: options.name,
      resourceGroupName: this.resourceGroupName,
      parentId: this.identityId,
      issuer: options.issuer,
      subject: options.subject,
      audience: [audience],
    });
    constructCredentials.add(credential);
    // One record per Azure identity, however many objects (new, fromExisting, fromAttributes, in
    // any stack of the app) refer to it: the 20-credential limit and issuer + subject uniqueness
    // are Entra's, per identity.
    const record = azureIdentities(this).get(this.azureKey) ?? newRecord(this.azureKey, azureIdentities(this));
    validateFederatedCredential(credential, options, record.count, record.trusted);
    record.count++;
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

interface IdentityRecord {
  count: number;
  /** issuer + subject pairs already trusted, for the uniqueness rule (a set, not a pairwise scan). */
  readonly trusted: Set<string>;
  readonly lastInStack: WeakMap<TerraformStack, FederatedIdentityCredential>;
}

const azureIdentities = perApp(() => new Map<string, IdentityRecord>());
/** Identities created by a ManagedIdentity construct, by key: the construct path. */
const createdIdentities = perApp(() => new Map<string, string>());

function newRecord(key: string, map: Map<string, IdentityRecord>): IdentityRecord {
  const record: IdentityRecord = { count: 0, trusted: new Set(), lastInStack: new WeakMap() };
  map.set(key, record);
  return record;
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

function resourceGroupFromId(identityId: string): string {
  // A token's string never matches, so an id known only at apply is split by Terraform.
  const match = /\/resourceGroups\/([^/]+)\//i.exec(identityId);
  return match ? match[1] : Fn.element(Fn.split("/", identityId), 4);
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
  p.report(scope);
}
