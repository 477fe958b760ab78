import { TerraformResource, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { KeyVaultAccessPolicyA } from "@cdktf/provider-azurerm/lib/key-vault-access-policy";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { KEY_VAULT_SECRETS_USER } from "../core/constants";
import type { IWorkloadKeyVault, IWorkloadPrincipal } from "../core/types";
import type { WorkloadBase } from "../kubernetes/workload-base";
import { addDependency, PassThroughRecord, principalNeeds, reportAttributeProblems } from "../core/internal";
import { WorkloadKeyVault, WorkloadKeyVaultProps } from "./key-vault";
import { Problems } from "../guardrails/problems";
import * as R from "../guardrails/rules";
import { guardStack } from "../guardrails/auto";

/** A secret the workload may read. */
export interface SecretSpec {
  /** Secret name: 1–127 characters, letters, digits and `-`. */
  readonly name: string;
  /** The secret already exists in the vault: grant access, create nothing. @default false */
  readonly existing?: boolean;
  /**
   * The value, written through the write-only `value_wo` argument so that it never lands in
   * Terraform state (Terraform ≥ 1.11). Pass a sensitive variable's value.
   * @default - a new sensitive, ephemeral Terraform variable `keyvault_secret_<name>` (set `TF_VAR_keyvault_secret_<name>`)
   */
  readonly value?: string;
  /** Bump to write a new value (write-only arguments are only sent when this changes). @default 1 */
  readonly valueVersion?: number;
  /** The secret's `content_type`, a free-text hint such as `text/plain`. @default - none */
  readonly contentType?: string;
  /**
   * Expiry, RFC 3339 in UTC with whole seconds (`2027-01-01T00:00:00Z`): the form azurerm reads back,
   * so any other spelling of the same instant would show a change on every plan. @default - none
   */
  readonly expirationDate?: string;
  /**
   * The version of an `existing` secret to pin (32 hex characters, the last part of the secret's
   * id), for {@link KeyVaultSecretAccess.pinnedEnvironment}. New secrets pin the version this
   * deploy writes. @default - none
   */
  readonly version?: string;
}

/** Properties of {@link KeyVaultSecretAccess}. */
export interface KeyVaultSecretAccessProps {
  /**
   * Who reads: a {@link FederatedWorkload} or {@link FederatedApplicationWorkload} (its pods then
   * also wait for the grant), or any principal (a managed identity, an application).
   */
  readonly workload: WorkloadBase | IWorkloadPrincipal;
  /** The vault: a {@link WorkloadKeyVault}, `WorkloadKeyVault.fromExisting(...)`, or props for a new one. */
  readonly vault: IWorkloadKeyVault | WorkloadKeyVaultProps;
  /** The secrets the workload may read; at least one, with unique names. */
  readonly secrets: SecretSpec[];
  /**
   * Where the `Key Vault Secrets User` role is assigned in RBAC mode: on each secret (least
   * privilege) or on the whole vault. Access policies are always vault-wide, so access-policy
   * vaults require "vault".
   * @default - "secret" for RBAC vaults, "vault" for access-policy vaults
   */
  readonly grantScope?: "secret" | "vault";
}

/** A workload (has a principal) rather than a bare principal; duck-typed so that this Azure-side construct needs only the type. */
function isWorkload(w: WorkloadBase | IWorkloadPrincipal): w is WorkloadBase {
  return (w as WorkloadBase).principal !== undefined;
}

function isVaultProps(v: IWorkloadKeyVault | WorkloadKeyVaultProps): v is WorkloadKeyVaultProps {
  return (v as IWorkloadKeyVault).vaultId === undefined;
}

/**
 * Grants a workload read access to Key Vault secrets: the vault (new or given), the secrets
 * (values kept out of state), and the grant – `Key Vault Secrets User` on each secret by default,
 * on the vault on request, or an access policy with `get` on secrets for access-policy vaults.
 */
export class KeyVaultSecretAccess extends Construct {
  /** The vault the secrets are in (the given one, or the one created from `vault` props). */
  public readonly vault: IWorkloadKeyVault;
  /** The secrets created here, by name. */
  public readonly secrets: Record<string, KeyVaultSecret> = {};
  /** The variables created for secret values, by secret name. */
  public readonly valueVariables: Record<string, TerraformVariable> = {};
  /** Role assignments or access policies that grant the read. */
  public readonly grants: Array<RoleAssignment | KeyVaultAccessPolicyA> = [];
  /** Where the grant is: on each secret, or on the vault (`grantScope`, or the permission model's default). */
  public readonly grantScope: "secret" | "vault";
  private readonly secretNames: string[];
  private readonly versions: Record<string, string | undefined> = {};
  private readonly valueVersions: Record<string, number> = {};

  constructor(scope: Construct, id: string, props: KeyVaultSecretAccessProps) {
    super(scope, id);
    guardStack(this);
    this.vault = isVaultProps(props.vault) ? new WorkloadKeyVault(this, "vault", props.vault) : props.vault;
    reportAttributeProblems(this, this.vault);
    this.grantScope = props.grantScope ?? (this.vault.permissionModel === "rbac" ? "secret" : "vault");
    validateKeyVaultSecretAccessProps(this, props, this.vault.permissionModel, this.grantScope);
    this.secretNames = props.secrets.map((s) => s.name);

    const identity = isWorkload(props.workload) ? props.workload.principal : props.workload;
    // Each name once: a name listed twice is a validation error (reported at synth with the
    // others), not a construct-id collision thrown from here.
    const specs = props.secrets.filter((s, i) => props.secrets.findIndex((t) => t.name === s.name) === i);
    const scopes: string[] = [];
    for (const spec of specs) {
      if (spec.existing) {
        scopes.push(`${this.vault.vaultId}/secrets/${spec.name}`);
        this.versions[spec.name] = spec.version;
        continue;
      }
      const secret = new KeyVaultSecret(this, `secret-${spec.name}`, {
        name: spec.name,
        keyVaultId: this.vault.vaultId,
        valueWo: spec.value ?? this.valueVariable(spec.name).stringValue,
        valueWoVersion: spec.valueVersion ?? 1,
        contentType: spec.contentType,
        expirationDate: spec.expirationDate,
      });
      if (this.vault.secretsWritable) addDependency(secret, this.vault.secretsWritable);
      this.secrets[spec.name] = secret;
      this.valueVersions[spec.name] = spec.valueVersion ?? 1;
      scopes.push(secret.resourceVersionlessId);
    }

    if (this.vault.permissionModel === "access-policy") {
      this.grants.push(
        new KeyVaultAccessPolicyA(this, "read-policy", {
          keyVaultId: this.vault.vaultId,
          tenantId: identity.tenantId,
          objectId: identity.principalId,
          secretPermissions: ["Get"],
        }),
      );
    } else {
      const grantScopes = this.grantScope === "vault" ? [this.vault.vaultId] : scopes;
      grantScopes.forEach((grantScope, i) => {
        const name = this.grantScope === "vault" ? "vault" : specs[i].name;
        const grant = new RoleAssignment(this, `secrets-user-${name}`, {
          scope: grantScope,
          roleDefinitionName: KEY_VAULT_SECRETS_USER,
          principalId: identity.principalId,
          // A new identity's service principal may not have replicated yet; the type skips that lookup.
          principalType: "ServicePrincipal",
          description: `Workload identity reads ${this.grantScope === "vault" ? "all secrets of the vault" : `secret ${name}`}.`,
        });
        this.grants.push(grant);
      });
    }

    // Pods that act as this principal start after the grants and after the secrets exist: a
    // vault-wide grant (access policy, or RBAC on the vault) does not depend on the secret, so
    // without the secrets here a pod could start before its secret is written. Registered per
    // principal, so every workload that shares the identity waits too, not only `props.workload`.
    principalNeeds(this, identity.principalId, [...this.grants, ...Object.values(this.secrets)]);
  }

  private valueVariable(secretName: string): TerraformVariable {
    const name = `keyvault_secret_${secretName.toLowerCase().replace(/-/g, "_")}`;
    const stack = TerraformStack.of(this);
    if (stack.node.tryFindChild(name)) {
      throw new Error(
        `KeyVaultSecretAccess ${this.node.path}: a variable named ${name} already exists in stack ${stack.node.id}; ` +
          `pass the value of secret ${JSON.stringify(secretName)} explicitly as \`value\``,
      );
    }
    const variable = new TerraformVariable(stack, name, {
      type: "string",
      sensitive: true,
      nullable: false,
      description: `Value of Key Vault secret ${secretName}; written with value_wo, never stored in state.`,
    });
    // Write-only arguments accept ephemeral values: the value stays out of the plan file too.
    variable.addOverride("ephemeral", true);
    this.valueVariables[secretName] = variable;
    return variable;
  }

  /**
   * The environment the walkthroughs' sample reads: `KEYVAULT_URL` (the vault URI) and
   * `SECRET_NAME`.
   *
   * @param secretName - which granted secret; the first of `secrets` when omitted
   * @returns the variables, to pass as a container's `env`
   * @throws Error when no secret of that name is granted by this construct
   */
  public podEnvironment(secretName: string = this.secretNames[0]): Record<string, string> {
    if (!this.secretNames.includes(secretName)) {
      throw new Error(`KeyVaultSecretAccess ${this.node.path}: no secret named ${JSON.stringify(secretName)} is granted here`);
    }
    return { KEYVAULT_URL: this.vault.vaultUri, SECRET_NAME: secretName };
  }

  /**
   * The environment of the MSAL walkthrough's sample, which reads one pinned version:
   * `KEY_VAULT_NAME`, `SECRET_NAME` and `VERSION_ID` (the version this deploy wrote, or the
   * `version` given for an existing secret).
   *
   * @param secretName - which granted secret; the first of `secrets` when omitted
   * @returns the variables, to pass as a container's `env`
   * @throws Error when no secret of that name is granted here, or its version is not known
   */
  public pinnedEnvironment(secretName: string = this.secretNames[0]): Record<string, string> {
    const env = this.podEnvironment(secretName);
    const version = this.versions[secretName] ?? this.pinnedVersion(secretName);
    if (version === undefined) {
      throw new Error(
        `KeyVaultSecretAccess ${this.node.path}: secret ${JSON.stringify(secretName)} is existing and has no \`version\` to pin; ` +
          "give its version (the last part of the secret's id), or use podEnvironment()",
      );
    }
    return { KEY_VAULT_NAME: this.vault.vaultName, SECRET_NAME: env.SECRET_NAME, VERSION_ID: version };
  }

  /**
   * The version a new secret's last apply wrote. azurerm 4.55 plans `version` as the prior
   * version when `value_wo_version` rises (it is Computed, with no CustomizeDiff;
   * internal/services/keyvault/key_vault_secret_resource.go), and the update then writes a new
   * one: pods given `secret.version` would keep the old one until a second apply, and a pod
   * changed in the same apply fails with "Provider produced inconsistent final plan". A record
   * replaced when `valueVersion` changes is unknown in that plan and holds the new version after
   * the secret's update. Made on first use, for the secrets whose version is pinned.
   */
  private pinnedVersion(secretName: string): string | undefined {
    const secret = this.secrets[secretName];
    if (!secret) return undefined;
    const record = new PassThroughRecord(this, `pinned-version-${secretName}`, secret.version, { value_wo_version: this.valueVersions[secretName] });
    this.versions[secretName] = record.output;
    return record.output;
  }

  /** All grants as resources, e.g. for `dependsOn`. */
  public get grantResources(): TerraformResource[] {
    return [...this.grants];
  }
}

function validateKeyVaultSecretAccessProps(
  scope: Construct,
  props: KeyVaultSecretAccessProps,
  permissionModel: string,
  grantScope: string,
): void {
  const p = new Problems();
  if (props.secrets.length === 0) p.add("KeyVaultSecretAccess.secrets is empty; grant at least one secret");
  const seen = new Set<string>();
  for (const s of props.secrets) {
    p.check("KeyVaultSecretAccess secret name", s.name, ...R.keyVaultSecretName);
    if (seen.has(s.name)) p.add(`KeyVaultSecretAccess secret name ${JSON.stringify(s.name)} is listed twice`);
    seen.add(s.name);
    p.check(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} version`, s.version, R.matches(/^[0-9a-f]{32}$/, "a 32-character Key Vault version id"));
    if (!s.existing && s.version !== undefined) {
      p.add(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} is new, so its version is the one this deploy writes; drop \`version\``);
    }
    if (s.existing && s.value !== undefined) {
      p.add(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} is marked existing but has a value; drop one of them`);
    }
    p.check(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} valueVersion`, s.valueVersion, R.integerBetween(1, Number.MAX_SAFE_INTEGER));
    p.check(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} expirationDate`, s.expirationDate, ...R.utcTimestamp);
    if (s.existing) {
      const written = (["contentType", "expirationDate", "valueVersion"] as const).filter((k) => s[k] !== undefined);
      if (written.length > 0) {
        p.add(`KeyVaultSecretAccess secret ${JSON.stringify(s.name)} is marked existing, so ${written.join(", ")} would be ignored (only secrets this construct writes take them); drop them`);
      }
    }
  }
  if (permissionModel === "access-policy" && grantScope === "secret") {
    p.add(
      'KeyVaultSecretAccess.grantScope "secret" is impossible on an access-policy vault: access policies apply to the whole vault; ' +
        'use grantScope "vault" or an RBAC vault',
    );
  }
  p.report(scope);
}
