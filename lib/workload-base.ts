import { TerraformProvider, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
import type { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import type { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import { CLIENT_ID_ANNOTATION, TENANT_ID_ANNOTATION, TOKEN_EXPIRATION_ANNOTATION, USE_LABEL } from "./constants";
import { GitOpsManifests, ManifestObject } from "./gitops";
import { addDependency, propagationWait, workloadPrincipals } from "./internal";
import {
  manifestPodMetadata,
  manifestPodSpec,
  PodContext,
  providerPodMetadata,
  providerPodSpec,
  prune,
  WorkloadDeploymentProps,
  WorkloadPodProps,
} from "./kubernetes-objects";
import type { IWorkloadKeyVault } from "./key-vault";
import { validateDeploymentProps, validatePodProps, validateSecretProviderClassProps } from "./validation";

/** Anything a Key Vault grant can be given to: a managed identity or an application's service principal. */
export interface IWorkloadPrincipal {
  /** Object id of the service principal: the principal of role assignments and access policies. */
  readonly principalId: string;
  /** Client (application) id: the service account's `azure.workload.identity/client-id`. */
  readonly clientId: string;
  /** Tenant of the principal. */
  readonly tenantId: string;
}

/** The Kubernetes side of a workload: namespace, service account, how objects are managed. */
export interface WorkloadKubernetesProps {
  /** Namespace of the service account (a DNS-1123 label; not `kube-system`). @default "default" */
  readonly namespace?: string;
  /** Create the namespace. @default false (it must exist) */
  readonly createNamespace?: boolean;
  /** Name of the Kubernetes service account (a DNS-1123 subdomain). */
  readonly serviceAccountName: string;
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
   * `startAfter`) before they start: a new credential takes seconds to propagate and early token
   * requests fail. A Terraform duration.
   * @default "30s"
   */
  readonly propagationDelay?: string;
  /** The Kubernetes provider for the service account, namespace and pods. @default the stack's default provider */
  readonly kubernetesProvider?: TerraformProvider;
  /**
   * `terraform`: the namespace, service account, pods, deployments and SecretProviderClasses are
   * `@cdktf/provider-kubernetes` resources. `manifests`: they are written as YAML files for a
   * GitOps tool instead (see README, "GitOps manifests"); no Kubernetes provider is needed.
   * @default "terraform"
   */
  readonly kubernetesObjects?: "terraform" | "manifests";
  /** Directory (inside the stack's synth output) for `manifests` mode. @default "manifests" */
  readonly manifestsDirectory?: string;
}

/** One object of a SecretProviderClass (Azure Key Vault provider's `objects` parameter). */
export interface SecretsStoreObject {
  /** Name in the vault. */
  readonly name: string;
  /** File name in the mount. @default the name */
  readonly alias?: string;
  /** Object type. @default "secret" */
  readonly type?: "secret" | "key" | "cert";
  /** Version to pin. @default "" (the latest) */
  readonly version?: string;
}

/** Properties of `addSecretProviderClass`. */
export interface SecretProviderClassProps {
  /** Name of the SecretProviderClass (a DNS-1123 subdomain). */
  readonly name: string;
  /** The vault the objects come from. */
  readonly vault: IWorkloadKeyVault;
  /** The objects to mount. At least one. */
  readonly objects: SecretsStoreObject[];
  /** Tenant of the vault. @default the vault's tenant */
  readonly tenantId?: string;
}

/**
 * A Kubernetes object made by a workload helper: the Terraform resource (terraform mode) or the
 * manifest written for GitOps (manifests mode).
 */
export interface WorkloadObject<T extends TerraformResource> {
  /** The object's name. */
  readonly name: string;
  /** The resource, in terraform mode. */
  readonly resource?: T;
  /** The Kubernetes API object, in manifests mode. */
  readonly manifest?: ManifestObject;
}

/**
 * The Kubernetes side shared by {@link FederatedWorkload} (managed identity) and
 * {@link FederatedApplicationWorkload} (app registration): the annotated service account and
 * helpers for pods, deployments and Secrets Store classes that always carry the
 * `azure.workload.identity/use: "true"` label and the service account name.
 */
export abstract class WorkloadBase extends Construct {
  /** The principal that the service account acts as. */
  public abstract readonly principal: IWorkloadPrincipal;
  /** The namespace name. */
  public readonly namespaceName: string;
  /** The service account name. */
  public readonly serviceAccountName: string;
  /** The federated subject, `system:serviceaccount:<namespace>:<serviceAccountName>`. */
  public readonly subject: string;
  /** How Kubernetes objects are managed. */
  public readonly kubernetesObjects: "terraform" | "manifests";
  /** The `kubernetes_service_account_v1` (terraform mode). */
  public serviceAccount?: ServiceAccountV1;
  /** The namespace, when created here (terraform mode). */
  public namespace?: NamespaceV1;
  /** The wait between the federated credential (and grants) and the pods (terraform mode). */
  public propagation?: Sleep;
  /** The GitOps manifests collector (manifests mode). */
  public manifests?: GitOpsManifests;
  private provider?: TerraformProvider;
  private readonly created: TerraformResource[] = [];
  private hint = "";
  private clusterReady?: TerraformResource;

  protected constructor(scope: Construct, id: string, props: WorkloadKubernetesProps) {
    super(scope, id);
    this.namespaceName = props.namespace ?? "default";
    this.serviceAccountName = props.serviceAccountName;
    this.subject = `system:serviceaccount:${this.namespaceName}:${this.serviceAccountName}`;
    this.kubernetesObjects = props.kubernetesObjects ?? "terraform";
  }

  /** Creates the namespace and the annotated service account; called by subclasses once the principal exists. */
  protected initKubernetes(
    props: WorkloadKubernetesProps,
    credential: TerraformResource,
    credentialId: string,
    clusterReady?: TerraformResource,
  ): void {
    this.provider = props.kubernetesProvider;
    this.clusterReady = clusterReady;
    workloadPrincipals.add(this.principal.principalId);
    this.hint = `${this.namespaceName}_${this.serviceAccountName}`;
    const annotations: Record<string, string> = {
      ...props.serviceAccountAnnotations,
      [CLIENT_ID_ANNOTATION]: this.principal.clientId,
    };
    if (props.tenantId !== undefined) annotations[TENANT_ID_ANNOTATION] = props.tenantId;
    if (props.tokenExpirationSeconds !== undefined) annotations[TOKEN_EXPIRATION_ANNOTATION] = String(props.tokenExpirationSeconds);
    const labels = { ...props.serviceAccountLabels, [USE_LABEL]: "true" };

    if (this.kubernetesObjects === "manifests") {
      this.manifests = GitOpsManifests.of(this, props.manifestsDirectory);
      if (props.createNamespace) {
        this.manifests.add({ apiVersion: "v1", kind: "Namespace", metadata: { name: this.namespaceName } }, this.hint);
      }
      this.manifests.add(
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: this.serviceAccountName, namespace: this.namespaceName, labels, annotations } },
        this.hint,
      );
      return;
    }

    let namespaceRef = this.namespaceName;
    if (props.createNamespace) {
      this.namespace = new NamespaceV1(this, "namespace", { provider: this.provider, metadata: { name: this.namespaceName } });
      if (clusterReady) addDependency(this.namespace, clusterReady);
      namespaceRef = this.namespace.metadata.name;
    }
    this.serviceAccount = new ServiceAccountV1(this, "service-account", {
      provider: this.provider,
      metadata: { name: this.serviceAccountName, namespace: namespaceRef, labels, annotations },
    });
    if (clusterReady) addDependency(this.serviceAccount, clusterReady);
    this.propagation = propagationWait(this, "credential-propagation", props.propagationDelay ?? "30s", [credential], {
      federated_credential_id: credentialId,
    });
  }

  /**
   * Makes pods wait for `resource` too (e.g. a role assignment that grants what they read), when it
   * is in this workload's stack. Resources in earlier stacks are already applied by `cdktf deploy`.
   * No effect in manifests mode, where Terraform does not start the pods.
   */
  public startAfter(resource: TerraformResource): void {
    if (this.propagation) addDependency(this.propagation, resource);
  }

  /** The pods and deployments created through this workload (terraform mode). */
  public get workloadPods(): readonly TerraformResource[] {
    return this.created;
  }

  private context(selectorLabels?: Record<string, string>): PodContext {
    return {
      namespace: this.namespaceName,
      serviceAccountName: this.serviceAccount?.metadata.name ?? this.serviceAccountName,
      selectorLabels,
    };
  }

  /**
   * Creates a pod that runs as this workload: in its namespace, with its service account, the
   * `azure.workload.identity/use: "true"` label, secure container defaults, and (terraform mode)
   * started only after the federated credential has had time to propagate.
   */
  public addPod(id: string, props: WorkloadPodProps): WorkloadObject<PodV1> {
    validatePodProps(this, id, props);
    const ctx = this.context();
    const restart = props.restartPolicy ?? "Always";
    if (this.manifests) {
      const object: ManifestObject = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: manifestPodMetadata(props, ctx, props.name, this.namespaceName),
        spec: manifestPodSpec(props, { ...ctx, serviceAccountName: this.serviceAccountName }, restart),
      };
      this.manifests.add(object, this.hint);
      return { name: props.name, manifest: object };
    }
    const pod = new PodV1(this, id, {
      provider: this.provider,
      metadata: providerPodMetadata(props, ctx, props.name, this.serviceAccount!.metadata.namespace),
      spec: providerPodSpec(props, ctx, restart),
      dependsOn: [this.propagation!],
    });
    this.created.push(pod);
    return { name: props.name, resource: pod };
  }

  /**
   * Creates a deployment whose pod template runs as this workload (label, service account, secure
   * defaults), with `replicas` pods selected by `app: <name>`.
   */
  public addDeployment(id: string, props: WorkloadDeploymentProps): WorkloadObject<DeploymentV1> {
    validateDeploymentProps(this, id, props);
    const selector = { app: props.name };
    const ctx = this.context(selector);
    if (this.manifests) {
      const object: ManifestObject = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: props.name, namespace: this.namespaceName, labels: selector },
        spec: {
          replicas: props.replicas ?? 1,
          selector: { matchLabels: selector },
          template: {
            metadata: manifestPodMetadata(props, ctx),
            spec: manifestPodSpec(props, { ...ctx, serviceAccountName: this.serviceAccountName }),
          },
        },
      };
      this.manifests.add(prune(object), this.hint);
      return { name: props.name, manifest: object };
    }
    // Loaded on first use: an app without deployments does not pay for the provider module.
    const { DeploymentV1 } = require("@cdktf/provider-kubernetes/lib/deployment-v1") as typeof import("@cdktf/provider-kubernetes/lib/deployment-v1");
    const deployment = new DeploymentV1(this, id, {
      provider: this.provider,
      metadata: { name: props.name, namespace: this.serviceAccount!.metadata.namespace, labels: selector },
      spec: {
        replicas: String(props.replicas ?? 1),
        selector: { matchLabels: selector },
        template: { metadata: providerPodMetadata(props, ctx), spec: providerPodSpec(props, ctx) },
      },
      dependsOn: [this.propagation!],
    });
    this.created.push(deployment);
    return { name: props.name, resource: deployment };
  }

  /**
   * Creates a Secrets Store CSI `SecretProviderClass` (provider `azure`) that mounts Key Vault
   * objects with this workload's identity (`clientID`, `usePodIdentity: "false"`). Mount it in a
   * pod or deployment with `secretsStore: { secretProviderClass: <name> }`. The cluster needs the
   * Key Vault secrets provider add-on (`AksWithOidc` prop `secretsStoreCsiDriver`).
   */
  public addSecretProviderClass(id: string, props: SecretProviderClassProps): WorkloadObject<Manifest> {
    validateSecretProviderClassProps(this, id, props);
    const YAML = require("yaml") as typeof import("yaml");
    const objects = YAML.stringify(
      {
        array: props.objects.map((o) =>
          YAML.stringify({ objectName: o.name, objectAlias: o.alias ?? o.name, objectType: o.type ?? "secret", objectVersion: o.version ?? "" }),
        ),
      },
      { lineWidth: 0 },
    );
    const object: ManifestObject = {
      apiVersion: "secrets-store.csi.x-k8s.io/v1",
      kind: "SecretProviderClass",
      metadata: { name: props.name, namespace: this.namespaceName },
      spec: {
        provider: "azure",
        parameters: {
          usePodIdentity: "false",
          clientID: this.principal.clientId,
          keyvaultName: props.vault.vaultName,
          tenantId: props.tenantId ?? props.vault.tenantId,
          objects,
        },
      },
    };
    if (this.manifests) {
      this.manifests.add(object, `${this.hint}_${props.name}`);
      return { name: props.name, manifest: object };
    }
    const { Manifest } = require("@cdktf/provider-kubernetes/lib/manifest") as typeof import("@cdktf/provider-kubernetes/lib/manifest");
    const spc = new Manifest(this, id, { provider: this.provider, manifest: object as any });
    if (this.namespace) addDependency(spc, this.namespace);
    if (this.clusterReady) addDependency(spc, this.clusterReady);
    return { name: props.name, resource: spc };
  }
}
