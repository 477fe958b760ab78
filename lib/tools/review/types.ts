/** The review's data types: the synth output as read, and the model of trust chains built from it. */

/** The environment and team a stack belongs to, from its `//.azwi` metadata (absent for stacks without it). */
export interface StackDoc {
  readonly name: string;
  readonly json: any;
  /** The stack's cdk.tf.json, for messages. */
  readonly file?: string;
  /** Kubernetes objects of GitOps workloads (YAML written next to the stack), with their file. */
  readonly manifests?: Array<{ readonly file: string; readonly object: any }>;
  /**
   * The security pass's record from the stack's top-level `"//"`: the findings it suppressed,
   * with their reasons. Undefined when the output carries no record (the pass did not run).
   */
  readonly guardrails?: { readonly suppressed: ReadonlyArray<{ readonly rule: string; readonly path: string; readonly reason: string; readonly message?: string }> };
  /** From the stack's top-level `"//": { "azwi": { environment, team } }`; undefined without it. */
  readonly group?: { readonly environment?: string; readonly team?: string };
}

/** A guardrail finding recorded in manifest.json. */
export interface Annotation {
  readonly stack: string;
  readonly level: string;
  readonly path: string;
  readonly message: string;
}

export interface SynthOutput {
  readonly dir: string;
  readonly stacks: StackDoc[];
  readonly annotations: Annotation[];
  /** Problems that do not stop the review: a stack with no resources, a reference that points nowhere. */
  readonly warnings?: string[];
}

// ---- references ---------------------------------------------------------------------------

/** A reference `${[data.]type.name.attr…}` resolved to the stack that holds its target. */
export interface Ref {
  readonly stack: string;
  readonly kind: "resource" | "data";
  readonly type: string;
  readonly name: string;
  /** Attribute path after the name, e.g. "principal_id" or "kube_config[0].host". */
  readonly attr: string;
  /** Text after the interpolation, e.g. "/secrets/old". */
  readonly suffix: string;
}

/**
 * A workload principal. `key` names the Azure principal, not the Terraform resource: a
 * user-assigned identity is its resource group and name (an existing one read by a data source
 * is the same principal), so two resources with the same name in two resource groups differ, and
 * one identity read in two stacks is one.
 */
export interface Identity {
  readonly key: string;
  readonly label: string;
  /** What the principal is: a user-assigned managed identity, an Entra application (with its service principal), an Entra group, or an id given as a literal. */
  readonly kind?: "managed identity" | "application" | "group" | "principal";
  /** The Terraform address (`stack/type.name`) that made or read it, when it is a resource or data source. */
  readonly address?: string;
}

export interface Credential {
  readonly key: string;
  readonly name: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string[];
  readonly identity: Identity;
  /** The resource group, for azurerm credentials. */
  readonly resourceGroup?: string;
  /**
   * The raw arguments that force replacement: name (display_name), parent identity or
   * application, resource group. azurerm 4.x and azuread update the others in place.
   */
  readonly replaceArgs: string;
  /** The raw arguments updated in place (same id): issuer, subject, audience. */
  readonly updateArgs: string;
  /** The stack that holds the credential. */
  readonly stack?: string;
  /**
   * Set when this is not a federated credential but a subject an AKS identity binding lets use the
   * identity: the binding, and the RBAC objects that allow the subject (audience api://AKSIdentityBinding).
   */
  readonly binding?: BindingLink;
}

/** How a service account reaches an identity through an AKS identity binding (preview). */
export interface BindingLink {
  /** The binding's address (`stack/azapi_resource.name`), or undefined when the identity has no binding on the cluster. */
  readonly key?: string;
  /** The cluster, in words. */
  readonly cluster: string;
  /** The ClusterRoleBinding or RoleBinding that names the subject. */
  readonly roleBinding: string;
  /** The ClusterRole whose rule allows `use-managed-identity` on the identity's client id. */
  readonly clusterRole: string;
}

/** An AKS identity binding (preview): an `azapi_resource` of type Microsoft.ContainerService/managedClusters/identityBindings. */
export interface IdentityBindingEntry {
  readonly key: string;
  readonly name: string;
  /** Which cluster: resource group and name when literal, else the cluster's address. */
  readonly cluster: string;
  /** The cluster in words. */
  readonly clusterLabel: string;
  readonly identity: Identity;
  /** The arguments that decide what the binding does: name, parent cluster, identity, type. */
  readonly replaceArgs: string;
}

export interface Grant {
  readonly key: string;
  readonly identity: Identity;
  /**
   * Role name, "access policy: secrets Get, …", or "member of Entra group …". A role given by
   * `role_definition_id` shows its built-in name, or "role <guid> (unknown built-in role; check it)".
   */
  readonly role: string;
  /** The role definition GUID, when the role is given by `role_definition_id`. */
  readonly roleDefinitionId?: string;
  readonly kind: "role" | "access-policy" | "group";
  readonly scope: string;
  readonly scopeLevel: ScopeLevel;
  /** The construct path cdktf recorded for the resource, e.g. "workload/secret-access/secrets-user-x". */
  readonly path?: string;
  /** An ABAC condition that narrows a role assignment. */
  readonly condition?: string;
  /** The vault (`stack/type.name`) the grant is on or in, when known. */
  readonly vault?: string;
}

/**
 * Access a workload gains only because it shares its identity: every grant of an identity is
 * reachable by every workload federated with it, whichever workload it was made for.
 */
export interface SharedAccess {
  /** The workload that gains the access: `namespace/service-account`, or the credential's subject. */
  readonly workload: string;
  readonly identity: Identity;
  readonly grant: Grant;
  /** The workloads the grant was made for, by {@link SharedAccess.evidence}; may be empty. */
  readonly grantedFor: string[];
  /**
   * How `grantedFor` is known. `depends_on`: only they wait for the grant – a resource depends on
   * it and on their federated credential (a propagation wait), or their pod depends on it.
   * `identity owner`: every sharer or none waits, and the identity was made in the same construct
   * as exactly one sharer's credential (cdktf construct paths), so it is that workload's identity.
   * `none`: neither tells; `grantedFor` lists the sharers that wait, if any.
   */
  readonly evidence: "depends_on" | "identity owner" | "none";
  /** The other workloads federated with the identity. */
  readonly sharedWith: string[];
}

export type ScopeLevel = "secret" | "vault" | "resource-group" | "subscription" | "other";

export interface ServiceAccount {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly clientIdentity?: Identity;
}

export interface Workload {
  readonly key: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly labelled: boolean;
  /** The pods carry `azure.workload.identity/use-identity-binding: "true"` (their token has the audience api://AKSIdentityBinding). */
  readonly bindingMode?: boolean;
}

/**
 * Someone else who can act as an identity: a password or certificate of an Entra application or
 * its service principal (whoever holds it signs in as the application), or an owner (who can add
 * such credentials).
 */
export interface Actor {
  /** Its address: `stack/type.name`, or `stack/type.name#owners[i]` for an owner listed on the application. */
  readonly key: string;
  /** The application it can act as. */
  readonly identity: Identity;
  /** A credential (password, certificate) or an owner. */
  readonly kind: "password" | "certificate" | "owner";
  /** The owner, in words; for credentials, their display name when given. */
  readonly who: string;
}

/** One row: who (pod) can read what (scope), and through which links. */
export interface Chain {
  readonly pod?: Workload;
  readonly serviceAccount?: ServiceAccount;
  readonly credential: Credential;
  readonly grant?: Grant;
  /** Problems with the chain's links (e.g. the annotation names another identity). */
  readonly problems: string[];
  /** Set when the grant was made for another workload and is reached through a shared identity. */
  readonly sharedAccess?: SharedAccess;
  /**
   * Where the chain belongs: the environment and team of the credential's stack (its `//.azwi`
   * metadata), else just the stack; and the workload's namespace.
   */
  readonly group?: { readonly stack: string; readonly environment?: string; readonly team?: string; readonly namespace?: string };
}

export interface Model {
  readonly credentials: Credential[];
  readonly grants: Grant[];
  readonly serviceAccounts: ServiceAccount[];
  readonly workloads: Workload[];
  readonly chains: Chain[];
  /** Passwords, certificates and owners that can act as an identity of the chains. */
  readonly actors?: Actor[];
  /** Access gained through identities that two or more workloads federate with. */
  readonly sharedAccess: SharedAccess[];
  readonly annotations: Annotation[];
  /**
   * The security pass per stack, from each stack's record: `ran` false when the stack carries none
   * (synthesized with skipValidation, or not by this library), and the findings it suppressed.
   */
  readonly guardrails?: ReadonlyArray<{ readonly stack: string; readonly ran: boolean; readonly suppressed: ReadonlyArray<{ readonly rule: string; readonly path: string; readonly reason: string; readonly message?: string }> }>;
  /** Managed identities made or read, with the arguments that replace them (a new principal). */
  readonly identities?: Array<{ readonly address: string; readonly identity: Identity; readonly replaceArgs: string; readonly replaceText: string }>;
  /** AKS identity bindings made (preview). */
  readonly bindings?: IdentityBindingEntry[];
  /** Key Vaults made or read, with the settings that decide who can read their secrets. */
  readonly vaults?: Array<{ readonly address: string; readonly label: string; readonly rbac?: boolean; readonly purgeProtection?: boolean; readonly softDeleteDays?: number }>;
  /** Every block of the synth output that is not of an inert type, by address, for the fail-safe diff (relevance.ts). */
  readonly raw?: ReadonlyMap<string, RawEntry>;
  /** Problems in the input that did not stop the review. */
  readonly warnings?: string[];
}

/** A block the diff compares: its type (`azurerm_role_assignment`, `data.x`, `module`, `provider`, `manifest:Pod`, …) and body. */
export interface RawEntry {
  /** `azurerm_role_assignment`, `data.<type>`, `module`, `provider`, `terraform.backend`, `variable`, `manifest:<Kind>`, … */
  readonly type: string;
  /** The block as written in the synth output. */
  readonly body: unknown;
}
