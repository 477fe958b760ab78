import { Fn } from "cdktf";
import { Construct } from "constructs";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { DataAzurermUserAssignedIdentity } from "@cdktf/provider-azurerm/lib/data-azurerm-user-assigned-identity";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { TOKEN_EXCHANGE_AUDIENCE } from "./constants";
import { addDependency, constructCredentials, isUnresolved } from "./internal";
import { validateFederatedCredential, validateManagedIdentityProps } from "./validation";
import type { IWorkloadPrincipal } from "./workload-base";

/** A user-assigned managed identity that can hold federated credentials. */
export interface IManagedIdentity extends IWorkloadPrincipal {
  /** Azure resource id of the identity (the federated credential's `parent_id`). */
  readonly identityId: string;
  /** Resource group of the identity. */
  readonly resourceGroupName: string;
  /**
   * Adds a federated identity credential. Credentials of one identity are created one after
   * another (Azure rejects concurrent writes under one identity with HTTP 409).
   */
  addFederatedCredential(scope: Construct, id: string, options: FederatedCredentialOptions): FederatedIdentityCredential;
  /** The federated credentials added so far, in creation order. */
  readonly federatedCredentials: readonly FederatedIdentityCredential[];
}

/** One trust relationship: tokens from `issuer` about `subject` may act as the identity. */
export interface FederatedCredentialOptions {
  /** Credential name: 3–120 characters, starts alphanumeric, then letters, digits, `-`, `_`. */
  readonly name: string;
  /** The OIDC issuer URL, exactly as in the token's `iss` claim. */
  readonly issuer: string;
  /** The token's `sub` claim; for Kubernetes `system:serviceaccount:<namespace>:<name>`. */
  readonly subject: string;
  /** Accepted audience. Entra and the azurerm provider accept exactly one. @default "api://AzureADTokenExchange" */
  readonly audience?: string;
}

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
    identity.init(data.id, data.clientId, data.principalId, data.tenantId, props.resourceGroupName);
    return identity;
  }

  /** Refers to an identity by its attributes (no Terraform object is created for it). */
  public static fromAttributes(scope: Construct, id: string, attrs: ManagedIdentityAttributes): ManagedIdentity {
    const identity = new ManagedIdentity(scope, id);
    const rg = attrs.resourceGroupName ?? resourceGroupFromId(attrs.identityId);
    identity.init(attrs.identityId, attrs.clientId, attrs.principalId, attrs.tenantId, rg);
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
  /** issuer + subject pairs already trusted, for the uniqueness rule (a map, not a pairwise scan). */
  private readonly trusted = new Set<string>();

  constructor(scope: Construct, id: string, props?: ManagedIdentityProps) {
    super(scope, id);
    if (props) {
      validateManagedIdentityProps(this, props);
      this.resource = new UserAssignedIdentity(this, "identity", {
        name: props.name,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        tags: props.tags,
      });
      const r = this.resource;
      this.init(r.id, r.clientId, r.principalId, r.tenantId, r.resourceGroupName);
    }
  }

  private init(identityId: string, clientId: string, principalId: string, tenantId: string, rg: string): void {
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
    validateFederatedCredential(credential, options, this.credentials.length, this.trusted);
    // Azure answers 409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity when
    // two credentials of one identity are written at once: chain them.
    const previous = this.credentials[this.credentials.length - 1];
    if (previous) addDependency(credential, previous);
    this.credentials.push(credential);
    return credential;
  }
}

function resourceGroupFromId(identityId: string): string {
  if (!isUnresolved(identityId)) {
    const match = /\/resourceGroups\/([^/]+)\//i.exec(identityId);
    if (match) return match[1];
  }
  return Fn.element(Fn.split("/", identityId), 4);
}
