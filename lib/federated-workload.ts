import { TerraformProvider, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { PodV1, PodV1SpecContainer, PodV1SpecToleration } from "@cdktf/provider-kubernetes/lib/pod-v1";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import { IAksCluster, IOidcIssuer } from "./aks-with-oidc";
import {
  CLIENT_ID_ANNOTATION,
  SKIP_CONTAINERS_ANNOTATION,
  TENANT_ID_ANNOTATION,
  TOKEN_EXCHANGE_AUDIENCE,
  TOKEN_EXPIRATION_ANNOTATION,
  USE_LABEL,
} from "./constants";
import { addDependency, propagationWait } from "./internal";
import { IManagedIdentity, ManagedIdentity } from "./managed-identity";
import { validateFederatedWorkloadProps, validatePodProps } from "./validation";

/** Properties of {@link FederatedWorkload}. */
export interface FederatedWorkloadProps {
  /**
   * Who issues the service account tokens: an {@link AksWithOidc} (or `AksWithOidc.fromExisting`)
   * cluster, or any OIDC issuer URL (https, exactly as in the tokens' `iss` claim, including the
   * trailing slash). Prefer the cluster: a recreated cluster has a new issuer, and a reference to
   * its attribute replaces the credential with it; a copied string does not.
   */
  readonly issuer: IOidcIssuer | string;
  /** Namespace of the service account (a DNS-1123 label; not `kube-system`). @default "default" */
  readonly namespace?: string;
  /** Create the namespace. @default false (it must exist) */
  readonly createNamespace?: boolean;
  /** Name of the Kubernetes service account (a DNS-1123 subdomain). */
  readonly serviceAccountName: string;
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
  /** Adds `azure.workload.identity/tenant-id` to the service account. @default none (the cluster's tenant) */
  readonly tenantId?: string;
  /**
   * Adds `azure.workload.identity/service-account-token-expiration` (3600–86400 seconds).
   * @default none (the webhook's default, 3600)
   */
  readonly tokenExpirationSeconds?: number;
  /** Extra labels on the service account. @default none */
  readonly serviceAccountLabels?: Record<string, string>;
  /** Extra annotations on the service account. @default none */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * How long pods wait after the federated credential (and anything added with
   * {@link FederatedWorkload.startAfter}) before they start: a new credential takes seconds to
   * propagate and early token requests fail. A Terraform duration.
   * @default "30s"
   */
  readonly propagationDelay?: string;
  /** The Kubernetes provider for the service account, namespace and pods. @default the stack's default provider */
  readonly kubernetesProvider?: TerraformProvider;
}

/** A container of a workload pod. Secure defaults apply unless overridden. */
export interface WorkloadContainer {
  /** Container name (a DNS-1123 label). */
  readonly name: string;
  /** Image reference. */
  readonly image: string;
  /** Entrypoint. @default the image's */
  readonly command?: string[];
  /** Arguments. @default the image's */
  readonly args?: string[];
  /** Environment variables. @default none */
  readonly env?: Record<string, string>;
  /** Resource requests. @default { cpu: "50m", memory: "64Mi" } */
  readonly requests?: Record<string, string>;
  /** Resource limits. @default { cpu: "250m", memory: "128Mi" } */
  readonly limits?: Record<string, string>;
  /** Numeric user the container runs as. @default "65532" (the distroless `nonroot` user) */
  readonly runAsUser?: string;
  /** Refuse to start the container as root (`runAsNonRoot`). @default true */
  readonly runAsNonRoot?: boolean;
  /** Allow privilege escalation (setuid binaries, …). @default false */
  readonly allowPrivilegeEscalation?: boolean;
  /** Mount the root filesystem read-only. @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Image pull policy. @default Kubernetes' default */
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
}

/** A pod that runs as a {@link FederatedWorkload}. */
export interface WorkloadPodProps {
  /** Pod name (a DNS-1123 subdomain). */
  readonly name: string;
  /** The containers. At least one. */
  readonly containers: WorkloadContainer[];
  /** Extra pod labels (the workload identity label is always added). @default none */
  readonly labels?: Record<string, string>;
  /** Extra pod annotations. @default none */
  readonly annotations?: Record<string, string>;
  /** Containers the webhook must not inject the token into (`azure.workload.identity/skip-containers`). @default none */
  readonly skipContainers?: string[];
  /** Node selector. @default { "kubernetes.io/os": "linux" } */
  readonly nodeSelector?: Record<string, string>;
  /** Tolerations. Virtual-node tolerations are rejected: virtual nodes do not support workload identity. @default none */
  readonly tolerations?: PodV1SpecToleration[];
  /** Restart policy. @default "Always" */
  readonly restartPolicy?: "Always" | "OnFailure" | "Never";
}

/** `<prefix>-<namespace>-<sa>` with `.` turned into `-`, cut to `max` characters (Azure name rules). */
function defaultName(prefix: string, namespace: string, serviceAccount: string, max: number): string {
  return `${prefix}-${namespace}-${serviceAccount}`.replace(/\./g, "-").slice(0, max).replace(/[-_]+$/, "");
}

/**
 * One Kubernetes service account federated to one user-assigned managed identity: the identity
 * (new or given), the federated credential (cluster issuer, `system:serviceaccount:<ns>:<sa>`,
 * `api://AzureADTokenExchange`), the annotated service account, optionally the namespace, and pods
 * that always carry the `azure.workload.identity/use: "true"` label and the service account name.
 */
export class FederatedWorkload extends Construct {
  /** The identity the service account acts as. */
  public readonly identity: IManagedIdentity;
  /** The `azurerm_federated_identity_credential`. */
  public readonly federatedCredential: FederatedIdentityCredential;
  /** The `kubernetes_service_account_v1`. */
  public readonly serviceAccount: ServiceAccountV1;
  /** The namespace, when created here. */
  public readonly namespace?: NamespaceV1;
  /** The namespace name. */
  public readonly namespaceName: string;
  /** The service account name. */
  public readonly serviceAccountName: string;
  /** The federated subject, `system:serviceaccount:<namespace>:<serviceAccountName>`. */
  public readonly subject: string;
  /** The issuer the credential trusts. */
  public readonly issuerUrl: string;
  /** The wait between the federated credential (and grants) and the pods. */
  public readonly propagation: Sleep;
  private readonly provider?: TerraformProvider;
  private readonly pods: PodV1[] = [];

  constructor(scope: Construct, id: string, props: FederatedWorkloadProps) {
    super(scope, id);
    this.namespaceName = props.namespace ?? "default";
    this.serviceAccountName = props.serviceAccountName;
    this.subject = `system:serviceaccount:${this.namespaceName}:${this.serviceAccountName}`;
    this.issuerUrl = typeof props.issuer === "string" ? props.issuer : props.issuer.oidcIssuerUrl;
    this.provider = props.kubernetesProvider;
    validateFederatedWorkloadProps(this, props, this.namespaceName);

    if (props.identity) {
      this.identity = props.identity;
    } else {
      if (props.resourceGroupName === undefined || props.location === undefined) {
        throw new Error(
          `FederatedWorkload ${this.node.path}: resourceGroupName and location are required to create a new identity; ` +
            "pass them, or pass an existing identity as `identity`",
        );
      }
      this.identity = new ManagedIdentity(this, "identity", {
        name: props.identityName ?? defaultName("id", this.namespaceName, this.serviceAccountName, 128),
        resourceGroupName: props.resourceGroupName,
        location: props.location,
      });
    }

    this.federatedCredential = this.identity.addFederatedCredential(this, "federated-credential", {
      name: props.federatedCredentialName ?? defaultName("fic", this.namespaceName, this.serviceAccountName, 120),
      issuer: this.issuerUrl,
      subject: this.subject,
      audience: TOKEN_EXCHANGE_AUDIENCE,
    });

    const clusterReady = typeof props.issuer === "string" ? undefined : (props.issuer as Partial<IAksCluster>).kubernetesReady;

    let namespaceRef = this.namespaceName;
    if (props.createNamespace) {
      this.namespace = new NamespaceV1(this, "namespace", {
        provider: this.provider,
        metadata: { name: this.namespaceName },
      });
      if (clusterReady) addDependency(this.namespace, clusterReady);
      namespaceRef = this.namespace.metadata.name;
    }

    const annotations: Record<string, string> = {
      ...props.serviceAccountAnnotations,
      [CLIENT_ID_ANNOTATION]: this.identity.clientId,
    };
    if (props.tenantId !== undefined) annotations[TENANT_ID_ANNOTATION] = props.tenantId;
    if (props.tokenExpirationSeconds !== undefined) {
      annotations[TOKEN_EXPIRATION_ANNOTATION] = String(props.tokenExpirationSeconds);
    }
    this.serviceAccount = new ServiceAccountV1(this, "service-account", {
      provider: this.provider,
      metadata: {
        name: this.serviceAccountName,
        namespace: namespaceRef,
        labels: { ...props.serviceAccountLabels, [USE_LABEL]: "true" },
        annotations,
      },
    });
    if (clusterReady) addDependency(this.serviceAccount, clusterReady);

    this.propagation = propagationWait(
      this,
      "credential-propagation",
      props.propagationDelay ?? "30s",
      [this.federatedCredential],
      { federated_credential_id: this.federatedCredential.id },
    );
  }

  /**
   * Makes pods wait for `resource` too (e.g. a role assignment that grants what they read), when it
   * is in this workload's stack. Resources in earlier stacks are already applied by `cdktf deploy`.
   */
  public startAfter(resource: TerraformResource): void {
    addDependency(this.propagation, resource);
  }

  /** The pods created through {@link FederatedWorkload.addPod}. */
  public get workloadPods(): readonly PodV1[] {
    return this.pods;
  }

  /**
   * Creates a pod that runs as this workload: in its namespace, with its service account, the
   * `azure.workload.identity/use: "true"` label, secure container defaults, and started only
   * after the federated credential has had time to propagate.
   */
  public addPod(id: string, props: WorkloadPodProps): PodV1 {
    validatePodProps(this, id, props);
    const annotations: Record<string, string> = { ...props.annotations };
    if (props.skipContainers?.length) annotations[SKIP_CONTAINERS_ANNOTATION] = props.skipContainers.join(";");
    const pod = new PodV1(this, id, {
      provider: this.provider,
      metadata: {
        name: props.name,
        namespace: this.serviceAccount.metadata.namespace,
        labels: { ...props.labels, [USE_LABEL]: "true" },
        annotations: Object.keys(annotations).length ? annotations : undefined,
      },
      spec: {
        serviceAccountName: this.serviceAccount.metadata.name,
        restartPolicy: props.restartPolicy ?? "Always",
        nodeSelector: props.nodeSelector ?? { "kubernetes.io/os": "linux" },
        toleration: props.tolerations,
        securityContext: {
          runAsNonRoot: props.containers.every((c) => c.runAsNonRoot !== false),
          seccompProfile: { type: "RuntimeDefault" },
        },
        container: props.containers.map(containerSpec),
      },
      dependsOn: [this.propagation],
    });
    this.pods.push(pod);
    return pod;
  }
}

export function containerSpec(c: WorkloadContainer): PodV1SpecContainer {
  return {
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    imagePullPolicy: c.imagePullPolicy,
    env: c.env ? Object.entries(c.env).map(([name, value]) => ({ name, value })) : undefined,
    resources: {
      requests: c.requests ?? { cpu: "50m", memory: "64Mi" },
      limits: c.limits ?? { cpu: "250m", memory: "128Mi" },
    },
    securityContext: {
      runAsNonRoot: c.runAsNonRoot ?? true,
      runAsUser: c.runAsUser ?? "65532",
      readOnlyRootFilesystem: c.readOnlyRootFilesystem ?? true,
      allowPrivilegeEscalation: c.allowPrivilegeEscalation ?? false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    },
  };
}
