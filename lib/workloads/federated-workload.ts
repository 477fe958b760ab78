import { Construct } from "constructs";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import type { IManagedIdentity, IOidcIssuer } from "../core/types";
import { defaultName } from "../core/naming";
import { TOKEN_EXCHANGE_AUDIENCE } from "../core/constants";
import { ManagedIdentity } from "../azure/managed-identity";
import { Problems } from "../guardrails/problems";
import { validateWorkloadKubernetesProps, WorkloadBase, WorkloadKubernetesProps } from "../kubernetes/workload-base";

/** Properties of {@link FederatedWorkload}. */
export interface FederatedWorkloadProps extends WorkloadKubernetesProps {
  /**
   * Who issues the service account tokens: an {@link AksWithOidc} (or `AksWithOidc.fromExisting`)
   * cluster, or any OIDC issuer URL (https, exactly as in the tokens' `iss` claim, including the
   * trailing slash). Prefer the cluster: a recreated cluster has a new issuer, and a reference to
   * its attribute updates the credential to it (in place: azurerm 4.55 updates issuer and subject
   * without replacing the credential); a copied string keeps trusting the old one.
   */
  readonly issuer: IOidcIssuer | string;
  /**
   * An identity to federate with – an existing one, or one shared with other workloads (pass the
   * same object: their credentials are then created one after another).
   * @default a new user-assigned identity named `identityName`
   */
  readonly identity?: IManagedIdentity;
  /** Name of the new identity (ignored when `identity` is given). @default `id-<namespace>-<serviceAccountName>` */
  readonly identityName?: string;
  /** Resource group of the new identity. Required unless `identity` is given. */
  readonly resourceGroupName?: string;
  /** Region of the new identity. Required unless `identity` is given. */
  readonly location?: string;
  /** Name of the federated identity credential. @default `fic-<namespace>-<serviceAccountName>` */
  readonly federatedCredentialName?: string;
}

/**
 * One Kubernetes service account federated to one user-assigned managed identity: the identity
 * (new or given), the federated credential (cluster issuer, `system:serviceaccount:<ns>:<sa>`,
 * `api://AzureADTokenExchange`), the annotated service account, optionally the namespace, and pods
 * and deployments that always carry the `azure.workload.identity/use: "true"` label and the
 * service account name.
 */
export class FederatedWorkload extends WorkloadBase {
  /** The identity the service account acts as. */
  public readonly identity: IManagedIdentity;
  /** The `azurerm_federated_identity_credential`. */
  public readonly federatedCredential: FederatedIdentityCredential;
  /** The issuer the credential trusts. */
  public readonly issuerUrl: string;

  public get principal(): IManagedIdentity {
    return this.identity;
  }

  constructor(scope: Construct, id: string, props: FederatedWorkloadProps) {
    super(scope, id, props);
    this.issuerUrl = typeof props.issuer === "string" ? props.issuer : props.issuer.oidcIssuerUrl;
    validateWorkloadKubernetesProps(this, props, this.namespaceName, "FederatedWorkload");

    if (props.identity) {
      this.identity = props.identity;
    } else {
      if (props.resourceGroupName === undefined || props.location === undefined) {
        // Reported with the other problems (the synth fails on it); the identity below is still
        // made so that construction goes on and every other problem is collected too.
        new Problems()
          .add("FederatedWorkload: resourceGroupName and location are required to create a new identity; pass them, or pass an existing identity as `identity`")
          .report(this);
      }
      this.identity = new ManagedIdentity(this, "identity", {
        name: props.identityName ?? defaultName("id", this.namespaceName, this.serviceAccountName, 128),
        resourceGroupName: props.resourceGroupName ?? "",
        location: props.location ?? "",
      });
    }

    this.federatedCredential = this.identity.addFederatedCredential(this, "federated-credential", {
      name: props.federatedCredentialName ?? defaultName("fic", this.namespaceName, this.serviceAccountName, 120),
      issuer: this.issuerUrl,
      subject: this.subject,
      audience: TOKEN_EXCHANGE_AUDIENCE,
    });

    this.initKubernetes(props, this.federatedCredential, props.issuer);
  }
}
