/**
 * The Kubernetes side of a workload as its props describe it: containers, the pod template, pods and
 * deployments. ./private/pod-spec renders it two ways (provider configuration or GitOps manifests)
 * and checks it.
 */
/** A container of a workload pod. Secure defaults apply unless overridden. */
export interface WorkloadContainer {
  /** Container name (a DNS-1123 label). */
  readonly name: string;
  /** Image reference, `[registry/]repository[:tag][@digest]`; an image of an attached registry waits for its pull grant. */
  readonly image: string;
  /** Entrypoint. @default - the image's entrypoint */
  readonly command?: string[];
  /** Arguments. @default - the image's command */
  readonly args?: string[];
  /**
   * Environment variables, by name. `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE` and
   * `AZURE_AUTHORITY_HOST` are refused unless the container is in `skipContainers`: the webhook sets them.
   *
   * @default - none
   */
  readonly env?: Record<string, string>;
  /** Resource requests. @default `{ cpu: "50m", memory: "64Mi" }` */
  readonly requests?: Record<string, string>;
  /** Resource limits. @default `{ cpu: "250m", memory: "128Mi" }` */
  readonly limits?: Record<string, string>;
  /** Numeric user the container runs as. @default "65532" (the distroless `nonroot` user) */
  readonly runAsUser?: string;
  /** Refuse to start the container as root (`runAsNonRoot`). @default true */
  readonly runAsNonRoot?: boolean;
  /** Allow privilege escalation (setuid binaries, …). @default false */
  readonly allowPrivilegeEscalation?: boolean;
  /** Mount the root filesystem read-only. @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Image pull policy. @default - Kubernetes' default */
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
}

/** A toleration (Kubernetes API field names). */
export interface WorkloadToleration {
  /** Taint key it matches, a label key. Without a key, `operator` must be `"Exists"` (it then matches every taint). @default - every key */
  readonly key?: string;
  /** `"Exists"` matches any value of the key; `"Equal"` matches `value`. @default "Equal" */
  readonly operator?: "Exists" | "Equal";
  /** Taint value it matches, a label value; refused with `operator: "Exists"`. @default - the empty value */
  readonly value?: string;
  /** Taint effect it matches. @default - every effect */
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /**
   * How long, in seconds (an integer as a string, e.g. `"300"`), the pod stays on a node after a
   * matching `NoExecute` taint appears; refused with any other `effect`.
   *
   * @default - forever
   */
  readonly tolerationSeconds?: string;
}

/** A Secrets Store CSI volume (see `WorkloadBase.addSecretProviderClass`). */
export interface SecretsStoreMount {
  /** Name of the SecretProviderClass, in the workload's namespace. */
  readonly secretProviderClass: string;
  /** Where the secrets appear in the containers. @default "/mnt/secrets-store" */
  readonly mountPath?: string;
  /** Names of the containers that mount it. @default - every container */
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
  /** The pod's containers; at least one, with unique names. */
  readonly containers: WorkloadContainer[];
  /** Extra pod labels (the workload identity label is always added). @default - none */
  readonly labels?: Record<string, string>;
  /** Extra pod annotations. @default - none */
  readonly annotations?: Record<string, string>;
  /** Containers the webhook must not inject the token into (`azure.workload.identity/skip-containers`). @default - none */
  readonly skipContainers?: string[];
  /** Node selector. @default `{ "kubernetes.io/os": "linux" }` */
  readonly nodeSelector?: Record<string, string>;
  /** Tolerations. Virtual-node tolerations are rejected: virtual nodes do not support workload identity. @default - none */
  readonly tolerations?: WorkloadToleration[];
  /** Mount a Secrets Store CSI SecretProviderClass read-only. @default - none */
  readonly secretsStore?: SecretsStoreMount;
  /**
   * Ask the webhook for its proxy sidecar (`azure.workload.identity/inject-proxy-sidecar`), for
   * applications that still use the IMDS-based flow; `port` sets `proxy-sidecar-port`.
   * @default - none
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
