/**
 * The shape of an environment file (schemas/environment.schema.json is the authority; these types
 * mirror it for the code that builds the stacks).
 */

export type StateSpec =
  | { readonly backend: "local" }
  | {
      readonly backend: "azurerm";
      readonly resourceGroup: string;
      readonly storageAccount: string;
      readonly container: string;
      readonly keyPrefix?: string;
      readonly subscription?: string;
      readonly tenant?: string;
      readonly useOidc?: boolean;
    }
  | { readonly backend: "cloud"; readonly organization: string; readonly hostname?: string; readonly workspacePrefix?: string };

export type ClusterSpec =
  | { readonly existing: true; readonly name: string; readonly resourceGroup?: string }
  | {
      readonly existing?: false;
      readonly name: string;
      readonly nodeCount?: number;
      readonly vmSize?: string;
      readonly localAccounts?: "disabled" | "enabled";
      readonly secretsStoreCsi?: boolean;
    };

export type VaultSpec =
  | { readonly existing: true; readonly name: string; readonly resourceGroup?: string; readonly permissionModel?: "rbac" | "access-policy" }
  | { readonly existing?: false; readonly name: string; readonly permissionModel?: "rbac" | "access-policy" };

export interface WorkloadSpec {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly createNamespace?: boolean;
  readonly identityName?: string;
  readonly sharedIdentity?: string;
  readonly grantScope?: "secret" | "vault";
  readonly secrets?: readonly { readonly name: string; readonly existing?: boolean }[];
  readonly pods?: readonly { readonly name: string; readonly image: string }[];
  readonly deployments?: readonly { readonly name: string; readonly image: string; readonly replicas?: number }[];
}

export interface EnvironmentFile {
  readonly subscription?: string;
  readonly location: string;
  readonly resourceGroup: string;
  readonly createResourceGroup?: boolean;
  readonly state?: StateSpec;
  readonly cluster: ClusterSpec;
  readonly vault: VaultSpec;
  readonly kubernetes?: {
    readonly auth?: "kubelogin" | "client-certificate";
    readonly kubeloginMode?: "azurecli" | "workloadidentity" | "spn" | "msi";
    readonly kubeloginEnvironment?: "azurerm" | "azure";
  };
  readonly identities?: readonly { readonly name: string; readonly binding?: string }[];
  readonly teams?: readonly { readonly name: string; readonly workloads: readonly WorkloadSpec[] }[];
  readonly workloads?: readonly WorkloadSpec[];
}

/** A checked environment file: its name (the file name) and where it came from. */
export interface EnvironmentSpec extends EnvironmentFile {
  readonly name: string;
  /** The file, relative to the project (for messages). */
  readonly file: string;
}
