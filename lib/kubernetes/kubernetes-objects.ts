/**
 * The Kubernetes side of a workload as its props describe it: containers, the pod template, pods and
 * deployments. ./private/pod-spec renders it two ways (provider configuration or GitOps manifests)
 * and checks it.
 */
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

/** A toleration (Kubernetes API field names). */
export interface WorkloadToleration {
  readonly key?: string;
  readonly operator?: "Exists" | "Equal";
  readonly value?: string;
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  readonly tolerationSeconds?: string;
}

/** A Secrets Store CSI volume (see `WorkloadBase.addSecretProviderClass`). */
export interface SecretsStoreMount {
  /** Name of the SecretProviderClass, in the workload's namespace. */
  readonly secretProviderClass: string;
  /** Where the secrets appear in the containers. @default "/mnt/secrets-store" */
  readonly mountPath?: string;
  /** Containers that mount it. @default all */
  readonly containers?: string[];
  /**
   * The class is created outside this app (another stack of another tool, a GitOps repository).
   * Otherwise it must be created with `addSecretProviderClass` in the same stack, for the same cluster.
   * @default false
   */
  readonly external?: boolean;
}

/** The pod template shared by pods and deployments. */
export interface WorkloadPodTemplate {
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
  readonly tolerations?: WorkloadToleration[];
  /** Mount a Secrets Store CSI SecretProviderClass read-only. @default none */
  readonly secretsStore?: SecretsStoreMount;
  /**
   * Ask the webhook for its proxy sidecar (`azure.workload.identity/inject-proxy-sidecar`), for
   * applications that still use the IMDS-based flow; `port` sets `proxy-sidecar-port`.
   * @default none
   */
  readonly proxySidecar?: { readonly port?: number };
}

/** A pod that runs as a workload. */
export interface WorkloadPodProps extends WorkloadPodTemplate {
  /** Pod name (a DNS-1123 subdomain). */
  readonly name: string;
  /**
   * Restart policy. With "OnFailure" or "Never" the pod may run to completion, so (terraform mode)
   * the apply accepts the phases Running and Succeeded; a pod that fails still fails the apply.
   * @default "Always"
   */
  readonly restartPolicy?: "Always" | "OnFailure" | "Never";
}

/** A deployment whose pods run as a workload. */
export interface WorkloadDeploymentProps extends WorkloadPodTemplate {
  /** Deployment name (a DNS-1123 subdomain). Also the `app` label its selector matches. */
  readonly name: string;
  /** Number of pods. @default 1 */
  readonly replicas?: number;
}
