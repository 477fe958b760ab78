import { Annotations, TerraformProvider, TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
import type { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import type { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import {
  CLIENT_ID_ANNOTATION,
  IDENTITY_BINDING_API_GROUP,
  IDENTITY_BINDING_VERB,
  IDENTITY_SETTINGS_ANNOTATION,
  TENANT_ID_ANNOTATION,
  TOKEN_EXPIRATION_ANNOTATION,
  USE_IDENTITY_BINDING_ANNOTATION,
} from "../core/constants";
import { defaultName } from "../core/naming";
import { GitOpsManifests, ManifestObject, removeStaleManifests } from "./gitops";
import {
  addDependency,
  addLibraryValidation,
  clusterKeys,
  defaultKubernetesProvider,
  differentClusters,
  namespaceClaimsOf,
  perStack,
  principalWorkload,
  propagationWait,
  providerClusters,
  recordManifestCluster,
  selfCheckedKubernetesOwners,
  registriesOf,
  reportAttributeProblems,
  sameStack,
  TriggerRecord,
  workloadPrincipals,
} from "../core/internal";
import type { WorkloadDeploymentProps, WorkloadPodProps, WorkloadPodTemplate } from "./kubernetes-objects";
import {
  manifestPodMetadata,
  manifestPodSpec,
  PodContext,
  providerPodMetadata,
  providerPodSpec,
  prune,
  validateDeploymentProps,
  validatePodProps,
} from "./private/pod-spec";
import type { IAksCluster, IIdentityBinding, IOidcIssuer, IWorkloadKeyVault, IWorkloadPrincipal } from "../core/types";
import { Problems } from "../guardrails/problems";
import * as R from "../guardrails/rules";
import { guardStack } from "../guardrails/auto";

/** The Kubernetes side of a workload: namespace, service account, how objects are managed. */
export interface WorkloadKubernetesProps {
  /** Namespace of the service account (a DNS-1123 label; not `kube-system`). @default "default" */
  readonly namespace?: string;
  /** Create the namespace. @default false (it must exist) */
  readonly createNamespace?: boolean;
  /** Name of the Kubernetes service account (a DNS-1123 subdomain). */
  readonly serviceAccountName: string;
  /** Adds `azure.workload.identity/tenant-id` to the service account. @default - none (the cluster's tenant) */
  readonly tenantId?: string;
  /**
   * Adds `azure.workload.identity/service-account-token-expiration` (3600–86400 seconds).
   * @default - none (the webhook's default, 3600)
   */
  readonly tokenExpirationSeconds?: number;
  /** Extra labels on the service account. @default - none */
  readonly serviceAccountLabels?: Record<string, string>;
  /** Extra annotations on the service account. @default - none */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * How long pods wait after the federated credential (and anything added with
   * `startAfter`) before they start: a new credential takes seconds to propagate and early token
   * requests fail. A duration such as `30s` or `2m` (Go duration syntax, as `time_sleep` reads it).
   * The wait runs again when the credential's issuer or subject changes.
   * @default "30s"
   */
  readonly propagationDelay?: string;
  /** The Kubernetes provider for the service account, namespace and pods. @default - the stack's default provider */
  readonly kubernetesProvider?: TerraformProvider;
  /**
   * `terraform`: the namespace, service account, pods, deployments and SecretProviderClasses are
   * `@cdktf/provider-kubernetes` resources. `manifests`: they are written as YAML files for a
   * GitOps tool instead (see README, "GitOps manifests"); no Kubernetes provider is needed.
   * @default "terraform"
   */
  readonly kubernetesObjects?: "terraform" | "manifests";
  /**
   * Directory for `manifests` mode, relative to the stack's synth output directory:
   * `/`-separated names of letters, digits, `.`, `_` and `-`, none starting with `.`.
   *
   * Synth writes the templates there and records them; a later synth replaces or removes only the
   * files it recorded, and refuses to overwrite a file it did not write.
   * @default "manifests"
   */
  readonly manifestsDirectory?: string;
}

/** One object of a SecretProviderClass (Azure Key Vault provider's `objects` parameter). */
export interface SecretsStoreObject {
  /** Name in the vault. */
  readonly name: string;
  /** File name in the mount. @default - the object's `name` */
  readonly alias?: string;
  /** What kind of Key Vault object it is. @default "secret" */
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
  /** Tenant of the vault. @default - the vault's tenant */
  readonly tenantId?: string;
}

/**
 * A Kubernetes object made by a workload helper: the Terraform resource (terraform mode) or the
 * manifest written for GitOps (manifests mode).
 */
export interface WorkloadObject<T extends TerraformResource> {
  /** The Kubernetes object's `metadata.name`. */
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
  /** The namespace the service account and the pods are in: `namespace`, `"default"` unless given. */
  public readonly namespaceName: string;
  /** The service account's name: `serviceAccountName`, the subject's last part. */
  public readonly serviceAccountName: string;
  /** The federated subject, `system:serviceaccount:<namespace>:<serviceAccountName>`. */
  public readonly subject: string;
  /** How the workload's Kubernetes objects are managed: Terraform resources, or GitOps manifest templates. */
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
  private clusterResource?: TerraformResource;
  private secretsStoreCsiDriver?: boolean;
  private objects!: ClusterObjects;
  /** Preview: the AKS identity binding the workload uses instead of a federated credential of its own, if any. */
  public identityBinding?: IIdentityBinding;
  /** The ClusterRole and ClusterRoleBinding that let the service account use the bound identity (terraform mode, binding mode). */
  public bindingRbac?: { readonly clusterRole: ClusterRoleV1; readonly clusterRoleBinding: ClusterRoleBindingV1 };
  /** What the webhook reads from the service account when it creates a pod (client id, tenant, token expiration). */
  private identitySettings: Record<string, string> = {};

  protected constructor(scope: Construct, id: string, props: WorkloadKubernetesProps) {
    super(scope, id);
    guardStack(this);
    selfCheckedKubernetesOwners.add(this);
    this.namespaceName = props.namespace ?? "default";
    this.serviceAccountName = props.serviceAccountName;
    this.subject = `system:serviceaccount:${this.namespaceName}:${this.serviceAccountName}`;
    this.kubernetesObjects = props.kubernetesObjects ?? "terraform";
    removeStaleManifests(this);
  }

  /**
   * Creates the namespace and the annotated service account; called by subclasses once the
   * principal exists. The propagation wait is triggered by the credential's id, issuer and subject:
   * it runs again when any of them changes (issuer and subject are updated in place, keeping the id).
   * `issuer` is the workload's issuer prop: a cluster also orders the Kubernetes objects.
   */
  protected initKubernetes(
    props: WorkloadKubernetesProps,
    credential: (TerraformResource & { readonly id: string; readonly issuer: string; readonly subject: string }) | undefined,
    issuer: IOidcIssuer | string,
    identityBinding?: IIdentityBinding,
  ): void {
    const cluster = typeof issuer === "string" ? undefined : (issuer as Partial<IAksCluster>);
    this.identityBinding = identityBinding;
    // Direct federation: pods wait for the credential, again when its issuer or subject changes.
    // Identity binding: for the binding (AKS writes its credential when it creates the binding)
    // and the ClusterRoleBinding that allows the service account.
    const trust: Record<string, string> = credential
      ? { federated_credential_id: credential.id, issuer: credential.issuer, subject: credential.subject }
      : { identity_binding_id: identityBinding!.bindingId, subject: this.subject };
    this.provider = props.kubernetesProvider;
    if (cluster && this.kubernetesObjects === "terraform") this.checkProviderCluster(cluster);
    this.clusterReady = cluster?.kubernetesReady;
    this.clusterResource = cluster?.clusterResource;
    this.secretsStoreCsiDriver = cluster?.secretsStoreCsiDriver;
    workloadPrincipals.add(this.principal.principalId);
    this.hint = `${this.namespaceName}_${this.serviceAccountName}`;
    const annotations: Record<string, string> = {
      ...props.serviceAccountAnnotations,
      [CLIENT_ID_ANNOTATION]: this.principal.clientId,
    };
    // Binding mode: the identity's tenant too, as the AKS guide annotates it (identity-bindings.md).
    const tenantId = props.tenantId ?? (identityBinding ? this.principal.tenantId : undefined);
    if (tenantId !== undefined) annotations[TENANT_ID_ANNOTATION] = tenantId;
    if (props.tokenExpirationSeconds !== undefined) annotations[TOKEN_EXPIRATION_ANNOTATION] = String(props.tokenExpirationSeconds);
    // The webhook writes these into a pod's container env (AZURE_CLIENT_ID, AZURE_TENANT_ID) and
    // token volume when the pod is created; a running pod's env cannot change (a pod's spec is
    // immutable but for images and tolerations), so a pod keeps the identity it started with. Pods'
    // replacement triggers and deployments' templates carry them, so a change restarts the pods.
    this.identitySettings = {
      [CLIENT_ID_ANNOTATION]: this.principal.clientId,
      ...(tenantId !== undefined ? { [TENANT_ID_ANNOTATION]: tenantId } : {}),
      ...(props.tokenExpirationSeconds !== undefined ? { [TOKEN_EXPIRATION_ANNOTATION]: String(props.tokenExpirationSeconds) } : {}),
      // The mode too: the webhook picks the token's audience when it creates the pod.
      ...(identityBinding ? { [USE_IDENTITY_BINDING_ANNOTATION]: "true" } : {}),
    };
    // No `azure.workload.identity/use` label on the service account: the webhook selects pods by
    // that label (its MutatingWebhookConfiguration's objectSelector), never service accounts.
    const labels = props.serviceAccountLabels;

    if (this.kubernetesObjects === "manifests") {
      this.manifests = GitOpsManifests.of(this, props.manifestsDirectory);
      // The directory is for the cluster whose issuer the credential trusts.
      if (cluster) recordManifestCluster(this.manifests, cluster);
    }
    this.objects = clusterObjectsOf(this).for(this.manifests ? `manifests:${this.manifests.directory}` : this.provider ?? "default");
    if (props.createNamespace) this.objects.claim("Namespace", "", this.namespaceName, this.node.path, "createNamespace", this);
    this.objects.claim("ServiceAccount", this.namespaceName, this.serviceAccountName, this.node.path, "serviceAccountName", this);

    if (this.manifests) {
      if (props.createNamespace) {
        this.manifests.add({ apiVersion: "v1", kind: "Namespace", metadata: { name: this.namespaceName } }, this.hint);
      }
      this.manifests.add(
        { apiVersion: "v1", kind: "ServiceAccount", metadata: prune({ name: this.serviceAccountName, namespace: this.namespaceName, labels, annotations }) },
        this.hint,
      );
      if (identityBinding) for (const o of this.bindingRbacObjects(identityBinding)) this.manifests.add(o, this.hint);
      return;
    }

    const claim = { namespace: this.namespaceName, cluster: () => this.kubernetesCluster(), scope: this };
    if (props.createNamespace) namespaceClaimsOf(this).created.push(claim);
    else namespaceClaimsOf(this).needed.push(claim);
    if (props.createNamespace) {
      this.namespace = new NamespaceV1(this, "namespace", { provider: this.provider, metadata: { name: this.namespaceName } });
      if (this.clusterReady) addDependency(this.namespace, this.clusterReady);
      this.objects.namespaceCreated(this.namespaceName, this.namespace);
    }
    // A reference to the namespace resource when this stack creates it (so it is created first);
    // a workload made before the namespace's creator is ordered after it through depends_on.
    const namespace = this.objects.createdNamespace(this.namespaceName);
    this.serviceAccount = new ServiceAccountV1(this, "service-account", {
      provider: this.provider,
      metadata: { name: this.serviceAccountName, namespace: namespace?.metadata.name ?? this.namespaceName, labels, annotations },
    });
    if (this.clusterReady) addDependency(this.serviceAccount, this.clusterReady);
    if (!namespace) this.objects.needsNamespace(this.namespaceName, this.serviceAccount);
    if (credential) {
      this.propagation = propagationWait(this, "credential-propagation", props.propagationDelay ?? "30s", [credential], trust);
    } else {
      const rbac = this.createBindingRbac(identityBinding!);
      this.propagation = propagationWait(this, "credential-propagation", props.propagationDelay ?? "30s", rbac, trust);
      // The binding is usually in an earlier stack (cdktf deploy applies it first); in this stack, wait for it.
      addDependency(this.propagation, identityBinding!.resource);
    }
    // Grants and secrets registered for this principal (by any KeyVaultSecretAccess, also one made
    // for another workload that shares the identity) delay this workload's pods too.
    principalWorkload(this, this.principal.principalId, this);
  }

  /**
   * The RBAC that lets this service account use the bound identity: a ClusterRole with the rule
   * `apiGroups: ["cid.wi.aks.azure.com"], resources: ["<client id>"], verbs: ["use-managed-identity"]`
   * (identity-bindings.md, "Authorize namespaces and service accounts"), bound to this service
   * account alone. One pair per workload (not one shared role per identity), so that workloads in
   * different stacks never create the same object, and the review sees each allowed subject.
   */
  private bindingRbacObjects(binding: IIdentityBinding): [ManifestObject, ManifestObject] {
    const name = defaultName("azwi-identity-binding", this.namespaceName, this.serviceAccountName, 253);
    const labels = { "aks-workload-identity-cdktf/identity-binding": binding.bindingName };
    return [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name, labels },
        rules: [{ apiGroups: [IDENTITY_BINDING_API_GROUP], resources: [this.principal.clientId], verbs: [IDENTITY_BINDING_VERB] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name: this.serviceAccountName, namespace: this.namespaceName }],
      },
    ];
  }

  /** The binding's RBAC as Kubernetes provider resources (terraform mode). */
  private createBindingRbac(binding: IIdentityBinding): TerraformResource[] {
    const [role, roleBinding] = this.bindingRbacObjects(binding);
    this.objects.claim("ClusterRole", "", role.metadata.name, this.node.path, "serviceAccountName (its identity-binding ClusterRole)", this);
    this.objects.claim("ClusterRoleBinding", "", roleBinding.metadata.name, this.node.path, "serviceAccountName (its identity-binding ClusterRoleBinding)", this);
    const clusterRole = new ClusterRoleV1(this, "identity-binding-role", {
      provider: this.provider,
      metadata: { name: role.metadata.name, labels: role.metadata.labels },
      rule: [{ apiGroups: [IDENTITY_BINDING_API_GROUP], resources: [this.principal.clientId], verbs: [IDENTITY_BINDING_VERB] }],
    });
    const clusterRoleBinding = new ClusterRoleBindingV1(this, "identity-binding-role-binding", {
      provider: this.provider,
      metadata: { name: roleBinding.metadata.name, labels: roleBinding.metadata.labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
      subject: [{ kind: "ServiceAccount", name: this.serviceAccount!.metadata.name, namespace: this.serviceAccount!.metadata.namespace }],
    });
    if (this.clusterReady) {
      addDependency(clusterRole, this.clusterReady);
      addDependency(clusterRoleBinding, this.clusterReady);
    }
    this.bindingRbac = { clusterRole, clusterRoleBinding };
    return [clusterRole, clusterRoleBinding];
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

  /**
   * Images from a registry attached with {@link ContainerRegistryAccess} in this stack: the pods
   * wait for its AcrPull grant (kubelet pulls fail until it has propagated). A registry created in
   * this stack is empty on the first apply, so that is a warning.
   */
  private waitForRegistries(resource: TerraformResource, template: WorkloadPodTemplate, what: string): void {
    for (const registry of registriesOf(this)) {
      for (const c of template.containers) {
        if (!registry.loginServers.some((server) => c.image.includes(server))) continue;
        this.startAfter(registry.pull);
        if (registry.created && sameStack(registry.pull, this)) {
          Annotations.of(resource).addWarning(
            `${what} container ${c.name} pulls ${c.image} from a registry created in the same stack: it is empty on the first apply, ` +
              "so the pull fails until an image is pushed. Push the image before the pods start (a second stack), or use ContainerRegistryAccess existing",
          );
        }
      }
    }
  }

  /**
   * The service account must be created on the cluster whose issuer the credential trusts: with
   * the Kubernetes provider of another cluster, tokens come from an issuer Entra does not trust.
   */
  private checkProviderCluster(issuerCluster: object): void {
    addLibraryValidation(this, () => {
        const provider = this.kubernetesProviderInUse();
        const providerCluster = provider && providerClusters.get(provider);
        if (!providerCluster || !differentClusters(issuerCluster, providerCluster)) return [];
        return [
          `issuer: the federated credential trusts cluster ${clusterKeys.get(issuerCluster)}, but the service account is created through the Kubernetes provider ` +
            `${provider!.node.path} of cluster ${clusterKeys.get(providerCluster)}; its tokens would come from an issuer Entra does not trust – pass the same cluster as issuer and provider`,
        ];
      }
    );
  }

  /** The Kubernetes provider the objects use: the one given, or the stack's default (unaliased) one. */
  private kubernetesProviderInUse(): TerraformProvider | undefined {
    return this.provider ?? defaultKubernetesProvider(this);
  }

  /** The cluster the Kubernetes provider in use was made for, when a cluster construct made it. */
  private kubernetesCluster(): object | undefined {
    const provider = this.kubernetesProviderInUse();
    return provider && providerClusters.get(provider);
  }

  /**
   * A mounted SecretProviderClass must be created in this app (by `addSecretProviderClass` of a
   * workload on the same cluster) or be declared `external`; and a cluster known to lack the Secrets
   * Store CSI add-on cannot mount it (the kubelet has no driver: the pod stays ContainerCreating).
   */
  private checkSecretsStore(what: string, template: WorkloadPodTemplate): void {
    const mount = template.secretsStore;
    if (!mount) return;
    if (this.secretsStoreCsiDriver === false) {
      addLibraryValidation(this, () => [`${what} secretsStore: the cluster has no Secrets Store CSI driver; set secretsStoreCsiDriver on its AksWithOidc`]
      );
    }
    if (mount.external) return;
    const objects = this.objects;
    const namespace = this.namespaceName;
    addLibraryValidation(this, () =>
        objects.has("SecretProviderClass", namespace, mount.secretProviderClass)
          ? []
          : [
              `${what} secretsStore.secretProviderClass ${JSON.stringify(mount.secretProviderClass)}: no SecretProviderClass of that name in namespace ${namespace} ` +
                "is created in this stack for this cluster, so the pod would stay ContainerCreating; add it with addSecretProviderClass, or set secretsStore.external: true if another tool creates it",
            ]
    );
  }

  private context(selectorLabels?: Record<string, string>): PodContext {
    return {
      namespace: this.namespaceName,
      serviceAccountName: this.serviceAccount?.metadata.name ?? this.serviceAccountName,
      selectorLabels,
      identityBinding: this.identityBinding !== undefined,
    };
  }

  /**
   * Creates a pod that runs as this workload: in its namespace, with its service account, the
   * `azure.workload.identity/use: "true"` label, secure container defaults, and (terraform mode)
   * started only after the federated credential has had time to propagate.
   */
  public addPod(id: string, props: WorkloadPodProps): WorkloadObject<PodV1> {
    validatePodProps(this, id, props);
    this.checkSecretsStore(`pod ${id}`, props);
    this.objects.claim("Pod", this.namespaceName, props.name, `${this.node.path}/${id}`, `pod ${id} name`, this);
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
    const spec = providerPodSpec(props, ctx, restart);
    // The webhook mutates every labelled pod on create: AZURE_CLIENT_ID, AZURE_TENANT_ID,
    // AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST in each container's env, the projected
    // volume azure-identity-token and its volume_mount (azure-workload-identity
    // pkg/webhook/webhook.go), plus a sidecar and an init container when the proxy is asked for.
    // The kubernetes provider reads all of it back into state, and container env / volume_mount are
    // ForceNew on kubernetes_pod_v1 (terraform-provider-kubernetes v2.38.0
    // kubernetes/schema_container.go; structures_container.go skips only kube-api-access volumes):
    // without this, every plan replaces the pod. So the pod ignores changes to its whole spec, and a
    // terraform_data that holds the spec as configured replaces the pod whenever that changes: what
    // the user changes still rolls out, what the webhook adds never diffs. Trade-off: drift made
    // outside Terraform in the spec (only image and tolerations can be edited on a live pod) is not
    // corrected; replace the pod with `terraform apply -replace` for that.
    // The identity settings too: a pod keeps the identity it was created with.
    // The record holds the spec as one JSON text (podSpecRecord): cdktf resolves one string per pod
    // instead of a second copy of the whole spec, and Terraform still replaces the record when any
    // part of the spec changes (and shows the text's diff as jsonencode(…) in the plan).
    const record = podSpecRecord(spec);
    const specHash = new TriggerRecord(this, `${id}-spec`, {
      spec: record.text,
      ...(record.values.length ? { spec_values: record.values } : {}),
      identity: this.identitySettings,
    });
    const pod = new PodV1(this, id, {
      provider: this.provider,
      metadata: providerPodMetadata(props, ctx, props.name, this.serviceAccount!.metadata.namespace),
      spec,
      // The provider's create waits until the pod's phase is one of target_state (default Running)
      // and fails on any other phase after Pending (terraform-provider-kubernetes v2.38.0
      // kubernetes/resource_kubernetes_pod_v1.go resourceKubernetesPodV1Create, StateChangeConf):
      // a pod that may run to completion would fail the apply with "unexpected state 'Succeeded'"
      // and stay tainted. A failed run still fails the apply.
      targetState: restart === "Always" ? undefined : ["Running", "Succeeded"],
      dependsOn: [this.propagation!],
      // A plain address: cdktf renders a construct given here as "${terraform_data.x}", which
      // Terraform 1.11 rejects in JSON ("Invalid character"); "terraform_data.x" is accepted.
      lifecycle: { ignoreChanges: ["spec"], replaceTriggeredBy: [`${specHash.terraformResourceType}.${specHash.friendlyUniqueId}`] },
    });
    this.created.push(pod);
    this.waitForRegistries(pod, props, `pod ${id}`);
    return { name: props.name, resource: pod };
  }

  /**
   * Creates a deployment whose pod template runs as this workload (label, service account, secure
   * defaults), with `replicas` pods selected by `app: <name>`.
   */
  public addDeployment(id: string, props: WorkloadDeploymentProps): WorkloadObject<DeploymentV1> {
    validateDeploymentProps(this, id, props);
    this.checkSecretsStore(`deployment ${id}`, props);
    this.objects.claim("Deployment", this.namespaceName, props.name, `${this.node.path}/${id}`, `deployment ${id} name`, this);
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
            metadata: this.withIdentitySettings(manifestPodMetadata(props, ctx)),
            spec: manifestPodSpec(props, { ...ctx, serviceAccountName: this.serviceAccountName }),
          },
        },
      };
      this.manifests.add(prune(object), this.hint);
      return { name: props.name, manifest: object };
    }
    // Deployments are not mutated (the webhook's MutatingWebhookConfiguration matches pods only),
    // so their template reads back as written and needs no ignore_changes.
    // Loaded on first use: an app without deployments does not pay for the provider module.
    const { DeploymentV1 } = require("@cdktf/provider-kubernetes/lib/deployment-v1") as typeof import("@cdktf/provider-kubernetes/lib/deployment-v1");
    const deployment = new DeploymentV1(this, id, {
      provider: this.provider,
      metadata: { name: props.name, namespace: this.serviceAccount!.metadata.namespace, labels: selector },
      spec: {
        replicas: String(props.replicas ?? 1),
        selector: { matchLabels: selector },
        template: { metadata: this.withIdentitySettings(providerPodMetadata(props, ctx)), spec: providerPodSpec(props, ctx) },
      },
      dependsOn: [this.propagation!],
    });
    this.created.push(deployment);
    this.waitForRegistries(deployment, props, `deployment ${id}`);
    return { name: props.name, resource: deployment };
  }

  /**
   * Pod-template metadata with the `IDENTITY_SETTINGS_ANNOTATION`,
   * `client-id=…;tenant-id=…;token-expiration=…` (the parts that are set), so a change of identity
   * rolls the deployment.
   */
  private withIdentitySettings(metadata: any): any {
    const value = Object.entries(this.identitySettings)
      .map(([k, v]) => `${k.replace(/^azure\.workload\.identity\/(service-account-)?/, "")}=${v}`)
      .join(";");
    return { ...metadata, annotations: { ...metadata.annotations, [IDENTITY_SETTINGS_ANNOTATION]: value } };
  }

  /**
   * Creates a Secrets Store CSI `SecretProviderClass` (provider `azure`) that mounts Key Vault
   * objects with this workload's identity (`clientID`, `usePodIdentity: "false"`). Mount it in a
   * pod or deployment with `secretsStore: { secretProviderClass: <name> }`. The cluster needs the
   * Key Vault secrets provider add-on (`AksWithOidc` prop `secretsStoreCsiDriver`).
   */
  public addSecretProviderClass(id: string, props: SecretProviderClassProps): WorkloadObject<Manifest> {
    validateSecretProviderClassProps(this, id, props);
    reportAttributeProblems(this, props.vault);
    if (this.secretsStoreCsiDriver === false) {
      addLibraryValidation(this, () => [`addSecretProviderClass(${JSON.stringify(id)}): the cluster has no Secrets Store CSI driver, so no pod can mount the class; set secretsStoreCsiDriver on its AksWithOidc`]
      );
    }
    this.objects.claim("SecretProviderClass", this.namespaceName, props.name, `${this.node.path}/${id}`, `SecretProviderClass ${id} name`, this);
    if (!this.manifests && this.clusterResource && sameStack(this.clusterResource, this)) {
      // kubernetes_manifest reads the CRD's schema from the API server at plan time
      // (terraform-provider-kubernetes manifest/provider/plan.go; docs/resources/manifest.md: "the
      // cluster must be reachable at plan time"): with the cluster created in this same stack the
      // first plan cannot succeed.
      addLibraryValidation(this, () => [
          `addSecretProviderClass(${JSON.stringify(id)}): the cluster ${this.clusterResource!.node.path} is created in this same stack, ` +
            "but kubernetes_manifest needs the cluster and its SecretProviderClass CRD at plan time, so the first plan would fail. " +
            "Put the workload in a second stack that reads the cluster with AksWithOidc.fromExisting (cdktf deploy applies the stacks in order), " +
            'or use kubernetesObjects: "manifests"',
        ]
      );
    }
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
          // The Azure provider reads `tenantID` (`tenantId` is its deprecated spelling: it logs a
          // warning; secrets-store-csi-driver-provider-azure pkg/provider/provider.go).
          tenantID: props.tenantId ?? props.vault.tenantId,
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
    this.objects.needsNamespace(this.namespaceName, spc);
    // A pod that mounts a class that does not exist yet stays in ContainerCreating until kubelet's
    // retry finds it, and the pod's create waits only 5 minutes: this workload's pods start after it.
    this.startAfter(spc);
    return { name: props.name, resource: spc };
  }
}

/**
 * The Kubernetes objects the workloads of one stack create through one provider (one cluster), or
 * into one GitOps directory. Two creates of one object fail at apply with AlreadyExists, so the
 * second claim is a synth error naming both; objects in a namespace another workload creates are
 * ordered after that namespace, whichever workload was constructed first.
 */
class ClusterObjects {
  private readonly owners = new Map<string, string>();
  private readonly namespaces = new Map<string, NamespaceV1>();
  private readonly waiting = new Map<string, TerraformResource[]>();

  /** Records that `path` creates `kind` `namespace/name`; a second creator is an error on `scope`. */
  public claim(kind: string, namespace: string, name: string, path: string, prop: string, scope: Construct): void {
    const key = `${kind}/${namespace}/${name}`;
    const first = this.owners.get(key);
    if (first === undefined) {
      this.owners.set(key, path);
      return;
    }
    const what = namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
    addLibraryValidation(scope, () => [
        `${prop}: ${what} is already created by ${first}; creating it twice fails at apply with AlreadyExists` +
          (kind === "Namespace" ? " – set createNamespace on one workload only (the others are ordered after it)" : " – give it another name"),
      ]
    );
  }

  /** True when something in this stack and target creates `kind` `namespace/name`. */
  public has(kind: string, namespace: string, name: string): boolean {
    return this.owners.has(`${kind}/${namespace}/${name}`);
  }

  public createdNamespace(name: string): NamespaceV1 | undefined {
    return this.namespaces.get(name);
  }

  public namespaceCreated(name: string, namespace: NamespaceV1): void {
    this.namespaces.set(name, namespace);
    for (const r of this.waiting.get(name) ?? []) addDependency(r, namespace);
    this.waiting.delete(name);
  }

  /** Orders `resource` after the namespace, when a workload of this stack creates it (now or later). */
  public needsNamespace(name: string, resource: TerraformResource): void {
    const namespace = this.namespaces.get(name);
    if (namespace) {
      addDependency(resource, namespace);
      return;
    }
    const list = this.waiting.get(name) ?? [];
    list.push(resource);
    this.waiting.set(name, list);
  }
}

const clusterObjectsOf = perStack(() => {
  const byTarget = new Map<unknown, ClusterObjects>();
  return {
    for(target: unknown): ClusterObjects {
      let found = byTarget.get(target);
      if (!found) byTarget.set(target, (found = new ClusterObjects()));
      return found;
    },
  };
});

/** Service account annotations the webhook reads (azure-workload-identity v1.6.0 pkg/webhook/consts.go), and what sets each. */
const SERVICE_ACCOUNT_WEBHOOK_ANNOTATIONS: Record<string, string> = {
  [CLIENT_ID_ANNOTATION]: "the construct (the identity's client id)",
  [TENANT_ID_ANNOTATION]: "the tenantId prop",
  [TOKEN_EXPIRATION_ANNOTATION]: "the tokenExpirationSeconds prop",
};

/**
 * Checks the Kubernetes-side props of a workload; `owner` is the class the user called
 * (`FederatedWorkload`, `FederatedApplicationWorkload`), so messages name the prop as written.
 */
export function validateWorkloadKubernetesProps(scope: Construct, props: WorkloadKubernetesProps, namespace: string, owner: string): void {
  const p = new Problems();
  p.check(`${owner}.namespace`, namespace, ...R.workloadNamespace);
  p.check(`${owner}.serviceAccountName`, props.serviceAccountName, ...R.dns1123Subdomain, ...R.workloadServiceAccountName);
  p.check(`${owner}.propagationDelay`, props.propagationDelay, ...R.duration);
  p.check(`${owner}.manifestsDirectory`, props.manifestsDirectory, ...R.manifestsDirectory);
  if (props.createNamespace && R.BUILT_IN_NAMESPACES.includes(namespace)) {
    p.add(`${owner}.createNamespace: namespace ${JSON.stringify(namespace)} exists in every cluster, so creating it fails with AlreadyExists; drop createNamespace`);
  }
  // A literal issuer is checked with the federated credential (its path ends in /federated-credential).
  p.check(`${owner}.tenantId`, props.tenantId, ...R.tenantId);
  p.check(`${owner}.tokenExpirationSeconds`, props.tokenExpirationSeconds, ...R.tokenExpirationSeconds);
  p.checkLabels(`${owner}.serviceAccountLabels`, props.serviceAccountLabels);
  for (const [key, value] of Object.entries(props.serviceAccountAnnotations ?? {})) {
    p.check(`${owner}.serviceAccountAnnotations key`, key, ...R.annotationKey);
    if (typeof value !== "string") p.add(`${owner}.serviceAccountAnnotations ${JSON.stringify(key)} is ${JSON.stringify(value)}; annotation values are strings – quote it`);
    const prop = SERVICE_ACCOUNT_WEBHOOK_ANNOTATIONS[key];
    if (prop) p.add(`${owner}.serviceAccountAnnotations ${JSON.stringify(key)} is set by ${prop}; remove it from serviceAccountAnnotations`);
    else if (key.startsWith("azure.workload.identity/")) {
      p.add(`${owner}.serviceAccountAnnotations ${JSON.stringify(key)} is not a service account annotation the workload identity webhook reads (${Object.keys(SERVICE_ACCOUNT_WEBHOOK_ANNOTATIONS).join(", ")})`);
    }
  }
  p.report(scope);
}

function validateSecretProviderClassProps(scope: Construct, id: string, props: SecretProviderClassProps): void {
  const p = new Problems();
  p.check(`SecretProviderClass ${id} name`, props.name, ...R.dns1123Subdomain);
  if (props.objects.length === 0) p.add(`SecretProviderClass ${id} has no objects; add at least one`);
  const aliases = new Set<string>();
  for (const o of props.objects) {
    p.check(`SecretProviderClass ${id} object name`, o.name, ...R.keyVaultSecretName);
    const alias = o.alias ?? o.name;
    if (aliases.has(alias)) p.add(`SecretProviderClass ${id} mounts two objects as ${JSON.stringify(alias)}; give them different aliases`);
    aliases.add(alias);
    p.check(`SecretProviderClass ${id} object alias`, o.alias, R.matches(/^[A-Za-z0-9._-]+$/, "a file name (letters, digits, '.', '_', '-')"));
    p.check(`SecretProviderClass ${id} object version`, o.version, R.matches(/^[0-9a-f]{32}$|^$/, "a 32-character Key Vault version id"));
  }
  p.check(`SecretProviderClass ${id} tenantId`, props.tenantId, ...R.tenantId);
  p.report(scope);
}

/** cdktf's string token markers, e.g. `${TfToken[TOKEN.12]}`. */
const STRING_TOKEN_MARKER = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/**
 * A pod spec as canonical JSON text (keys sorted, undefined left out), for the pod's replacement
 * record. A string whose only template sequences are cdktf's string token markers stays in the
 * text, markers and all: cdktf resolves them in place to their references (`${data.x.y}`), and
 * Terraform interpolates them there, so the text changes when a referenced value does. Anything
 * else the text cannot carry as written goes, as given, into `values`, and the text holds
 * `{"$value": <index>}` in its place: a string with any other `${` or `%{` (a hand-written
 * template, whose quotes JSON would escape inside the expression; an escape, which cdktf would
 * read as the start of an expression and render the markers after it without their braces), and
 * a list, number or map token or an IResolvable (cdktf resolves those only as values of their own).
 */
function podSpecRecord(spec: unknown): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const asValue = (v: unknown) => ({ $value: values.push(v) - 1 });
  const plainString = (s: string) => !s.includes("{") || !/[$%]\{/.test(s.replace(STRING_TOKEN_MARKER, ""));
  const canonical = (v: unknown): unknown => {
    if (typeof v === "string") return plainString(v) ? v : asValue(v);
    if (v === null || typeof v === "boolean") return v;
    if (typeof v === "number") return Token.isUnresolved(v) ? asValue(v) : v;
    if (typeof v !== "object" || Token.isUnresolved(v)) return asValue(v);
    if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(canonical);
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.some(([k]) => !plainString(k) || Token.isUnresolved(k))) return asValue(v);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, canonical(x)]));
  };
  return { text: JSON.stringify(canonical(spec)), values };
}
