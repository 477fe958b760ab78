import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { Application } from "@cdktf/provider-azuread/lib/application";
import { DataAzureadClientConfig } from "@cdktf/provider-azuread/lib/data-azuread-client-config";
import { ServicePrincipal } from "@cdktf/provider-azuread/lib/service-principal";
import { ApplicationFederatedIdentityCredential } from "@cdktf/provider-azuread/lib/application-federated-identity-credential";
import type { IOidcIssuer, IWorkloadPrincipal } from "../core/types";
import { TOKEN_EXCHANGE_AUDIENCE } from "../core/constants";
import { defaultName } from "../core/naming";
import { addDependency, perApp, perStack } from "../core/internal";
import { validateWorkloadKubernetesProps, WorkloadBase, WorkloadKubernetesProps } from "../kubernetes/workload-base";
import { Problems } from "../guardrails/problems";
import { CredentialRecord, newCredentialRecord, validateFederatedCredential } from "../guardrails/federated-credential";
import * as R from "../guardrails/rules";

/** An Entra application (and its service principal) that federated credentials can be added to. */
export interface IFederatedApplication extends IWorkloadPrincipal {
  /** The application's resource id in the azuread provider, `/applications/<object id>`. */
  readonly applicationId: string;
}

/** Properties of {@link FederatedApplicationWorkload}. */
export interface FederatedApplicationWorkloadProps extends WorkloadKubernetesProps {
  /**
   * The cluster's OIDC issuer: any https issuer URL (a self-managed, EKS, GKE, kind … cluster whose
   * service account issuer is public), or an {@link IOidcIssuer}.
   */
  readonly issuer: IOidcIssuer | string;
  /**
   * An existing application to federate with (pass the same object to share it: credentials are
   * then created one after another and counted against the limit of 20).
   * @default - a new application and service principal named `applicationDisplayName`
   */
  readonly application?: IFederatedApplication;
  /** Display name of the new application. @default - `wi-<namespace>-<serviceAccountName>` */
  readonly applicationDisplayName?: string;
  /**
   * Owners (object ids) of the new application and its service principal, besides the deployer.
   *
   * azuread assigns no owner by default, and a deployer whose Graph permission is
   * `Application.ReadWrite.OwnedBy` can manage only applications it owns: without itself among
   * the owners, its next plan fails with 403 and leaves the application orphaned.
   * @default - none besides the deployer
   */
  readonly owners?: string[];
  /**
   * Adds the principal that runs Terraform (the azuread provider's client config) to the owners of
   * the new application and service principal.
   * @default true
   */
  readonly deployerIsOwner?: boolean;
  /** Name (display name) of the federated credential. @default - `fic-<namespace>-<serviceAccountName>` */
  readonly federatedCredentialName?: string;
}

interface ApplicationRecord extends CredentialRecord {
  readonly lastInStack: WeakMap<TerraformStack, ApplicationFederatedIdentityCredential>;
}
/** One record per Entra application, keyed by its `applicationId` (however many objects carry it). */
const applications = perApp(() => new Map<string, ApplicationRecord>());
/** The stack's `azuread_client_config` data source: who runs Terraform. */
const clientConfigOf = perStack((): { config?: DataAzureadClientConfig } => ({}));

/**
 * The app-registration variant of {@link FederatedWorkload}, for clusters that are not AKS: Entra
 * managed identities only work on Azure, so a non-Azure cluster federates an application
 * registration (azuread provider) with its OIDC issuer. The Kubernetes side is the same: the
 * service account carries the application's client id (and its tenant id), and pods carry the
 * workload identity label. Grant it Key Vault access with `KeyVaultSecretAccess` like any workload.
 *
 * The stack needs an `AzureadProvider` (`@cdktf/provider-azuread/lib/provider`).
 */
export class FederatedApplicationWorkload extends WorkloadBase {
  /** The new application, when created here. */
  public readonly application?: Application;
  /** The new service principal, when created here. */
  public readonly servicePrincipal?: ServicePrincipal;
  /** The `azuread_application_federated_identity_credential`. */
  public readonly federatedCredential: ApplicationFederatedIdentityCredential;
  /** The application the service account acts as. */
  public readonly principal: IFederatedApplication;
  /** The issuer the credential trusts. */
  public readonly issuerUrl: string;

  constructor(scope: Construct, id: string, props: FederatedApplicationWorkloadProps) {
    super(scope, id, props);
    this.issuerUrl = typeof props.issuer === "string" ? props.issuer : props.issuer.oidcIssuerUrl;
    validateFederatedApplicationProps(this, props, this.namespaceName);

    if (props.application) {
      this.principal = props.application;
    } else {
      const owners = applicationOwners(this, props);
      this.application = new Application(this, "application", {
        displayName: props.applicationDisplayName ?? defaultName("wi", this.namespaceName, this.serviceAccountName, 120),
        owners,
      });
      this.servicePrincipal = new ServicePrincipal(this, "service-principal", {
        clientId: this.application.clientId,
        owners,
      });
      this.principal = {
        applicationId: this.application.id,
        clientId: this.application.clientId,
        principalId: this.servicePrincipal.objectId,
        tenantId: this.servicePrincipal.applicationTenantId,
      };
    }

    const name = props.federatedCredentialName ?? defaultName("fic", this.namespaceName, this.serviceAccountName, 120);
    this.federatedCredential = new ApplicationFederatedIdentityCredential(this, "federated-credential", {
      applicationId: this.principal.applicationId,
      displayName: name,
      description: `Kubernetes service account ${this.namespaceName}/${this.serviceAccountName}`,
      issuer: this.issuerUrl,
      subject: this.subject,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
    });
    // Same rules as for managed identities, per Entra application (keyed by its id, whatever object
    // carries it): ≤ 20 credentials, unique names and issuer + subject, written one after another.
    const records = applications(this);
    let record = records.get(this.principal.applicationId);
    if (!record) records.set(this.principal.applicationId, (record = { ...newCredentialRecord(), lastInStack: new WeakMap() }));
    validateFederatedCredential(this.federatedCredential, { name, issuer: this.issuerUrl, subject: this.subject }, record, "application");
    const stack = TerraformStack.of(this.federatedCredential);
    const previous = record.lastInStack.get(stack);
    if (previous) addDependency(this.federatedCredential, previous);
    record.lastInStack.set(stack, this.federatedCredential);

    // A cluster outside Azure has no tenant of its own: name the application's tenant on the SA.
    this.initKubernetes({ ...props, tenantId: props.tenantId ?? this.principal.tenantId }, this.federatedCredential, props.issuer);
  }
}

/** The owners of a new application: the deployer (unless turned off) and `owners`, each once. */
function applicationOwners(scope: Construct, props: FederatedApplicationWorkloadProps): string[] | undefined {
  const owners = [...(props.owners ?? [])];
  if (props.deployerIsOwner ?? true) {
    const holder = clientConfigOf(scope);
    // azuread 3.7 `azuread_client_config`: object_id is the principal the provider authenticates as.
    holder.config ??= new DataAzureadClientConfig(TerraformStack.of(scope), "azuread-deployer");
    owners.unshift(holder.config.objectId);
  }
  const unique = [...new Set(owners)];
  return unique.length ? unique : undefined;
}

function validateFederatedApplicationProps(scope: Construct, props: FederatedApplicationWorkloadProps, namespace: string): void {
  validateWorkloadKubernetesProps(scope, props, namespace, "FederatedApplicationWorkload");
  const p = new Problems();
  // Entra application display names: 1–120 characters (Microsoft Graph application resource).
  p.check("FederatedApplicationWorkload.applicationDisplayName", props.applicationDisplayName, R.nonEmpty, R.noSurroundingWhitespace, R.lengthBetween(1, 120));
  for (const owner of props.owners ?? []) p.check("FederatedApplicationWorkload.owners entry", owner, ...R.guid("an Entra object id"));
  if (props.application && (props.owners !== undefined || props.deployerIsOwner !== undefined || props.applicationDisplayName !== undefined)) {
    p.add("FederatedApplicationWorkload: owners, deployerIsOwner and applicationDisplayName apply to a new application only; drop them when passing `application`");
  }
  p.report(scope);
}
