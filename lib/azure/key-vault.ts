import { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { DataAzurermKeyVault } from "@cdktf/provider-azurerm/lib/data-azurerm-key-vault";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import { KeyVaultAccessPolicyA } from "@cdktf/provider-azurerm/lib/key-vault-access-policy";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { KEY_VAULT_SECRETS_OFFICER } from "../core/constants";
import { attributeProblems, isUnresolved, propagationWait } from "../core/internal";
import type { IWorkloadKeyVault, KeyVaultPermissionModel } from "../core/types";
import { Problems, regionSettings } from "../guardrails/problems";
import * as R from "../guardrails/rules";
import { guardStack } from "../guardrails/auto";
import { WorkloadIdentityChecks } from "../guardrails/checks";

/** Optional network restriction of a new vault. */
export interface KeyVaultNetworkRules {
  /** Allowed public IPv4 addresses or CIDR ranges (include wherever `cdktf deploy` runs). @default - none */
  readonly ipRules?: string[];
  /** Allowed subnet ids (service endpoints). @default - none */
  readonly subnetIds?: string[];
  /** Let trusted Azure services through. @default true */
  readonly allowAzureServices?: boolean;
}

/** Properties of a new {@link WorkloadKeyVault}. */
export interface WorkloadKeyVaultProps {
  /** Vault name: 3–24 characters, letters, digits and `-`, starts with a letter, globally unique. */
  readonly name: string;
  /** Resource group the vault is created in. */
  readonly resourceGroupName: string;
  /** Azure region of the vault. */
  readonly location: string;
  /** Tenant id. @default - the deployer's tenant */
  readonly tenantId?: string;
  /** How the vault authorizes data-plane access: Azure RBAC roles or access policies. @default "rbac" */
  readonly permissionModel?: KeyVaultPermissionModel;
  /** Vault SKU; `premium` adds HSM-protected keys. @default "standard" */
  readonly skuName?: "standard" | "premium";
  /**
   * Purge protection: deleted secrets and the vault cannot be purged before the retention period
   * ends. Note that a purge-protected vault's name stays taken for that period after `destroy`.
   * @default true
   */
  readonly purgeProtectionEnabled?: boolean;
  /** Soft-delete retention, 7–90 days. @default 90 */
  readonly softDeleteRetentionDays?: number;
  /**
   * Deny network access except from these rules. @default - none (public endpoint, authorization only)
   */
  readonly networkRules?: KeyVaultNetworkRules;
  /**
   * Give whoever runs `cdktf deploy` the data-plane access needed to write secrets
   * ("Key Vault Secrets Officer" in RBAC mode, an access policy otherwise).
   * @default true
   */
  readonly grantDeployer?: boolean;
  /** Wait after the deployer's grant before secrets are written. A duration such as `90s` or `5m`. @default "90s" */
  readonly rolePropagationDelay?: string;
  /** Azure tags: at most 50, names up to 512 characters without any of `<>%&\?/`, values up to 256 characters. @default - none */
  readonly tags?: Record<string, string>;
}

/**
 * A Key Vault with secure defaults for workload identity: RBAC authorization, purge protection,
 * 90-day soft delete, and a data-plane grant for the deployer so that secrets can be written.
 */
export class WorkloadKeyVault extends Construct implements IWorkloadKeyVault {
  /** Reads an existing vault through an `azurerm_key_vault` data source. */
  public static fromExisting(
    scope: Construct,
    id: string,
    props: { readonly name: string; readonly resourceGroupName: string; readonly permissionModel?: KeyVaultPermissionModel },
  ): IWorkloadKeyVault {
    guardStack(scope);
    const permissionModel = props.permissionModel ?? "rbac";
    // azurerm 4.55 key_vault_data_source.go sets rbac_authorization_enabled from
    // properties.enableRbacAuthorization (null when the vault never set it: access policies).
    const rbac = permissionModel === "rbac";
    const data = new DataAzurermKeyVault(scope, id, {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      lifecycle: {
        postcondition: [
          {
            condition: rbac ? "${self.rbac_authorization_enabled == true}" : "${self.rbac_authorization_enabled != true}",
            errorMessage: rbac
              ? `Key Vault ${props.name} uses access policies, so Azure RBAC role assignments on it grant nothing. Pass permissionModel: "access-policy" to WorkloadKeyVault.fromExisting, or switch the vault to Azure RBAC.`
              : `Key Vault ${props.name} uses Azure RBAC, so access policies on it grant nothing. Pass permissionModel: "rbac" to WorkloadKeyVault.fromExisting.`,
          },
        ],
      },
    });
    validateExistingKeyVaultProps(data, props);
    return {
      vaultId: data.id,
      vaultUri: data.vaultUri,
      vaultName: data.name,
      tenantId: data.tenantId,
      permissionModel,
    };
  }

  /**
   * Refers to a vault by its attributes. The attributes must agree with each other: an id that
   * ends in `/vaults/<vaultName>`, a URI `https://<vaultName>.<vault DNS suffix>/`, a GUID tenant.
   * A disagreement is reported by the first construct that uses the vault (a grant would land on
   * one vault while the pod reads another).
   */
  public static fromAttributes(attrs: IWorkloadKeyVault): IWorkloadKeyVault {
    const vault = { ...attrs };
    const problems = vaultAttributeProblems(vault);
    if (problems.length) attributeProblems.set(vault, problems);
    return vault;
  }

  /** The `azurerm_key_vault` resource. */
  public readonly vault: KeyVault;
  /** The vault's Azure resource id, known after apply. */
  public readonly vaultId: string;
  /** The vault's data-plane URI, `https://<name>.vault.azure.net/`, known after apply: the pod's `KEYVAULT_URL`. */
  public readonly vaultUri: string;
  /** The vault's name (a reference to the resource's `name`). */
  public readonly vaultName: string;
  /** The tenant that authenticates requests to the vault: `tenantId`, or the deployer's tenant. */
  public readonly tenantId: string;
  /** How the vault authorizes data-plane access: `permissionModel`, `"rbac"` unless given. */
  public readonly permissionModel: KeyVaultPermissionModel;
  /**
   * The wait (`time_sleep`, `rolePropagationDelay`) after the deployer's data-plane grant; secrets
   * are written after it. Undefined with `grantDeployer: false`.
   */
  public readonly secretsWritable?: TerraformResource;
  /** The deployer's data-plane grant, when created. */
  public readonly deployerGrant?: RoleAssignment | KeyVaultAccessPolicyA;

  constructor(scope: Construct, id: string, props: WorkloadKeyVaultProps) {
    super(scope, id);
    guardStack(this);
    validateWorkloadKeyVaultProps(this, props);
    this.permissionModel = props.permissionModel ?? "rbac";
    const grantDeployer = props.grantDeployer ?? true;
    const client =
      props.tenantId === undefined || grantDeployer ? new DataAzurermClientConfig(this, "deployer") : undefined;
    const rules = props.networkRules;

    this.vault = new KeyVault(this, "vault", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.tenantId ?? client!.tenantId,
      skuName: props.skuName ?? "standard",
      rbacAuthorizationEnabled: this.permissionModel === "rbac",
      purgeProtectionEnabled: props.purgeProtectionEnabled ?? true,
      softDeleteRetentionDays: props.softDeleteRetentionDays ?? 90,
      networkAcls: rules
        ? {
            defaultAction: "Deny",
            bypass: rules.allowAzureServices === false ? "None" : "AzureServices",
            ipRules: rules.ipRules,
            virtualNetworkSubnetIds: rules.subnetIds,
          }
        : undefined,
      tags: props.tags,
    });
    if (props.purgeProtectionEnabled === false) {
      // The explicit opt-out is the acknowledgement; the security pass keeps it, with this reason,
      // in its findings, so reviewers still see it.
      WorkloadIdentityChecks.suppress(this.vault, "AZWI002", "purgeProtectionEnabled: false was set explicitly on this WorkloadKeyVault");
    }
    this.vaultId = this.vault.id;
    this.vaultUri = this.vault.vaultUri;
    this.vaultName = this.vault.name;
    this.tenantId = this.vault.tenantId;

    if (grantDeployer) {
      this.deployerGrant =
        this.permissionModel === "rbac"
          ? new RoleAssignment(this, "deployer-secrets-officer", {
              scope: this.vault.id,
              roleDefinitionName: KEY_VAULT_SECRETS_OFFICER,
              principalId: client!.objectId,
              description: "Lets the identity running cdktf deploy write the workload secrets.",
            })
          : new KeyVaultAccessPolicyA(this, "deployer-access-policy", {
              keyVaultId: this.vault.id,
              tenantId: client!.tenantId,
              objectId: client!.objectId,
              secretPermissions: ["Get", "List", "Set", "Delete", "Recover", "Purge"],
            });
      this.secretsWritable = propagationWait(
        this,
        "deployer-grant-propagation",
        props.rolePropagationDelay ?? "90s",
        [this.deployerGrant],
        { grant_id: this.deployerGrant.id },
      );
    }
  }
}

/** Key Vault DNS suffixes of the Azure clouds (public, China, US Government). */
const VAULT_DNS_SUFFIXES = ["vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net"];

function vaultAttributeProblems(v: IWorkloadKeyVault): string[] {
  const problems: string[] = [];
  const known = (x: string) => !isUnresolved(x);
  if (known(v.vaultName)) {
    const why = R.firstProblem(v.vaultName, R.keyVaultName);
    if (why) problems.push(`vaultName ${JSON.stringify(v.vaultName)} ${why}`);
  }
  if (known(v.vaultId) && known(v.vaultName) && !v.vaultId.toLowerCase().endsWith(`/providers/microsoft.keyvault/vaults/${v.vaultName.toLowerCase()}`)) {
    problems.push(`vaultId ${JSON.stringify(v.vaultId)} is not the id of vault ${JSON.stringify(v.vaultName)} (it must end with /providers/Microsoft.KeyVault/vaults/${v.vaultName})`);
  }
  if (known(v.vaultUri) && known(v.vaultName)) {
    const ok = VAULT_DNS_SUFFIXES.some((suffix) => v.vaultUri.toLowerCase() === `https://${v.vaultName.toLowerCase()}.${suffix}/`);
    if (!ok) problems.push(`vaultUri ${JSON.stringify(v.vaultUri)} is not the URI of vault ${JSON.stringify(v.vaultName)} (https://${v.vaultName}.vault.azure.net/, with the trailing slash)`);
  }
  if (known(v.tenantId)) {
    const why = R.firstProblem(v.tenantId, R.tenantId);
    if (why) problems.push(`tenantId ${JSON.stringify(v.tenantId)} ${why}`);
  }
  return problems.map((m) => `WorkloadKeyVault.fromAttributes ${m}`);
}

function validateExistingKeyVaultProps(scope: Construct, props: { readonly name: string; readonly resourceGroupName: string }): void {
  const p = new Problems();
  p.check("WorkloadKeyVault.fromExisting name", props.name, ...R.keyVaultName);
  p.check("WorkloadKeyVault.fromExisting resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.report(scope);
}

function validateWorkloadKeyVaultProps(scope: Construct, props: WorkloadKeyVaultProps): void {
  const p = new Problems();
  p.check("WorkloadKeyVault.name", props.name, ...R.keyVaultName);
  p.check("WorkloadKeyVault.resourceGroupName", props.resourceGroupName, ...R.resourceGroupName);
  p.check("WorkloadKeyVault.location", props.location, R.knownRegion(regionSettings(scope)));
  p.check("WorkloadKeyVault.tenantId", props.tenantId, ...R.tenantId);
  p.check("WorkloadKeyVault.softDeleteRetentionDays", props.softDeleteRetentionDays, R.integerBetween(7, 90));
  p.check("WorkloadKeyVault.rolePropagationDelay", props.rolePropagationDelay, ...R.duration);
  for (const ip of props.networkRules?.ipRules ?? []) p.check("WorkloadKeyVault.networkRules.ipRules entry", ip, ...R.ipv4OrCidr);
  for (const id of props.networkRules?.subnetIds ?? []) p.check("WorkloadKeyVault.networkRules.subnetIds entry", id, ...R.subnetId);
  p.checkTags("WorkloadKeyVault.tags", props.tags);
  p.report(scope);
}
