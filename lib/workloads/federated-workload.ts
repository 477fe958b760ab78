import { Construct } from "constructs";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import type { IIdentityBinding, IManagedIdentity, IOidcIssuer } from "../core/types";
import { Problems } from "../guardrails/problems";
import { defaultName } from "../core/naming";
import { TOKEN_EXCHANGE_AUDIENCE } from "../core/constants";
import { ManagedIdentity } from "../azure/managed-identity";
import { validateWorkloadKubernetesProps, WorkloadBase, WorkloadKubernetesProps } from "../kubernetes/workload-base";

/** Properties of {@link FederatedWorkload}. */
export interface FederatedWorkloadProps extends WorkloadKubernetesProps {
  /**
   * Who issues the service account tokens (required unless `identityBinding` is given): an {@link AksWithOidc} (or `AksWithOidc.fromExisting`)
   * cluster, or any OIDC issuer URL (https, exactly as in the tokens' `iss` claim, including the
   * trailing slash). Prefer the cluster: a recreated cluster has a new issuer, and a reference to
   * its attribute updates the credential to it (in place: azurerm 4.55 updates issuer and subject
   * without replacing the credential); a copied string keeps trusting the old one.
   */
  readonly issuer?: IOidcIssuer | string;
  /**
   * Preview: use the identity through this AKS identity binding instead of a federated credential
   * of its own. The workload then creates no federated credential; it writes a ClusterRole
   * (`cid.wi.aks.azure.com`, resource = the identity's client id, verb `use-managed-identity`) and
   * a ClusterRoleBinding for its service account, annotates the service account with the
   * identity's client and tenant id, and its pods carry
   * `azure.workload.identity/use-identity-binding: "true"` (their tokens have the audience
   * `api://AKSIdentityBinding`). `identity` and `issuer`, when given, must be the binding's
   * identity and cluster. See docs/identity-bindings.md for the preview's prerequisites.
   * @default - none (direct federation: one federated credential for this service account)
   */
  readonly identityBinding?: IIdentityBinding;
  /**
   * An identity to federate with – an existing one, or one shared with other workloads (pass the
   * same object: their credentials are then created one after another).
   * @default - a new user-assigned identity named `identityName`
   */
  readonly identity?: IManagedIdentity;
  /** Name of the new identity (ignored when `identity` is given). @default - `id-<namespace>-<serviceAccountName>` */
  readonly identityName?: string;
  /** Resource group of the new identity. Required unless `identity` is given. */
  readonly resourceGroupName?: string;
  /** Region of the new identity. Required unless `identity` is given. */
  readonly location?: string;
  /** Name of the federated identity credential. @default - `fic-<namespace>-<serviceAccountName>` */
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
  /** The `azurerm_federated_identity_credential` (none in identity-binding mode). */
  public readonly federatedCredential?: FederatedIdentityCredential;
  /**
   * The issuer the identity trusts for this workload: the cluster's issuer (direct federation), or
   * the per-identity issuer of the identity binding.
   */
  public readonly issuerUrl: string;

  /** The identity the workload's pods act as (the same object as {@link FederatedWorkload.identity}). */
  public get principal(): IManagedIdentity {
    return this.identity;
  }

  constructor(scope: Construct, id: string, props: FederatedWorkloadProps) {
    super(scope, id, props);
    const binding = props.identityBinding;
    const issuer = binding ? binding.cluster : props.issuer;
    this.issuerUrl = binding ? binding.oidcIssuerUrl : typeof props.issuer === "string" ? props.issuer : props.issuer?.oidcIssuerUrl ?? "";
    validateWorkloadKubernetesProps(this, props, this.namespaceName, "FederatedWorkload");
    const p = new Problems();
    if (!binding && props.issuer === undefined) p.add("FederatedWorkload.issuer is required (the cluster or OIDC issuer the credential trusts), unless identityBinding is given");
    if (binding && props.issuer !== undefined && props.issuer !== binding.cluster) {
      p.add("FederatedWorkload.issuer is not the identityBinding's cluster; in binding mode the cluster is the binding's – drop issuer or pass that cluster");
    }
    if (binding && props.identity !== undefined && props.identity !== binding.identity) {
      p.add("FederatedWorkload.identity is not the identityBinding's identity; the service account would name one identity while the binding allows another – drop identity or pass the binding's");
    }
    if (binding && props.federatedCredentialName !== undefined) p.add("FederatedWorkload.federatedCredentialName: no federated credential is created in identity-binding mode; drop it");

    if (binding) {
      this.identity = binding.identity;
    } else if (props.identity) {
      this.identity = props.identity;
    } else {
      if (props.resourceGroupName === undefined || props.location === undefined) {
        // Reported with the other problems (the synth fails on it); the identity below is still
        // made so that construction goes on and every other problem is collected too.
        p.add("FederatedWorkload: resourceGroupName and location are required to create a new identity; pass them, or pass an existing identity as `identity`");
      }
      this.identity = new ManagedIdentity(this, "identity", {
        name: props.identityName ?? defaultName("id", this.namespaceName, this.serviceAccountName, 128),
        resourceGroupName: props.resourceGroupName ?? "",
        location: props.location ?? "",
      });
    }
    p.report(this);

    if (binding) {
      this.initKubernetes(props, undefined, binding.cluster, binding);
      return;
    }
    this.federatedCredential = this.identity.addFederatedCredential(this, "federated-credential", {
      name: props.federatedCredentialName ?? defaultName("fic", this.namespaceName, this.serviceAccountName, 120),
      issuer: this.issuerUrl,
      subject: this.subject,
      audience: TOKEN_EXCHANGE_AUDIENCE,
    });

    this.initKubernetes(props, this.federatedCredential, issuer!);
  }
}
