import { acrossStacks, all, expr, only, sharedPerTest, synthApp } from "./support/helpers";

/** The default app's synth output, shared by the tests that read it. */
const defaultApp = sharedPerTest(() => synthApp());

describe("the default app (platform + workload stacks)", () => {
  const synthesized = () => defaultApp().stacks;
  let stacks: Record<string, any>;
  let platform: any;
  let workload: any;
  beforeEach(() => {
    stacks = synthesized();
    platform = stacks.platform;
    workload = stacks.workload;
  });

  test("synthesizes two stacks, platform and workload", () => {
    expect(Object.keys(stacks).sort()).toEqual(["platform", "workload"]);
  });

  test("creates the cluster, vault and deployer roles in the platform stack", () => {
    expect(only(platform, "azurerm_kubernetes_cluster").body.oidc_issuer_enabled).toBe(true);
    expect(only(platform, "azurerm_key_vault").body.name).toBe("azwi-kv-tutorial");
    expect(all(platform, "azurerm_role_assignment").map((r) => r.body.role_definition_name).sort()).toEqual([
      "Azure Kubernetes Service RBAC Cluster Admin",
      "Key Vault Secrets Officer",
    ]);
    expect(all(platform, "azurerm_federated_identity_credential")).toHaveLength(0);
  });

  test("takes the credential's issuer from the platform's cluster", () => {
    const fic = only(workload, "azurerm_federated_identity_credential").body;
    const [, , dataName, attr] = expr(fic.issuer).split(".");
    expect(attr).toBe("oidc_issuer_url");
    const data = workload.data.azurerm_kubernetes_cluster[dataName];
    const cluster = only(platform, "azurerm_kubernetes_cluster").name;
    expect(acrossStacks(stacks, workload, data.name)).toBe(`\${azurerm_kubernetes_cluster.${cluster}.name}`);
    expect(acrossStacks(stacks, workload, data.resource_group_name)).toBe(
      `\${azurerm_kubernetes_cluster.${cluster}.resource_group_name}`,
    );
  });

  test("configures the Kubernetes provider from the same cluster read", () => {
    const dataName = only(workload, "azurerm_kubernetes_cluster", "data").name;
    const k8s = workload.provider.kubernetes[0];
    expect(k8s.host).toBe(`\${data.azurerm_kubernetes_cluster.${dataName}.kube_config[0].host}`);
    expect(k8s.exec[0].command).toBe("kubelogin");
  });

  test("federates exactly the service account's subject", () => {
    const fic = only(workload, "azurerm_federated_identity_credential").body;
    const sa = only(workload, "kubernetes_service_account_v1").body.metadata;
    expect(fic.subject).toBe(`system:serviceaccount:${sa.namespace}:${sa.name}`);
    expect(fic.audience).toEqual(["api://AzureADTokenExchange"]);
    expect(fic.name).toBe("myFedIdentity");
  });

  test("annotates the service account with the client id of the federated identity", () => {
    const fic = only(workload, "azurerm_federated_identity_credential").body;
    const identity = only(workload, "azurerm_user_assigned_identity");
    expect(fic.parent_id).toBe(`\${azurerm_user_assigned_identity.${identity.name}.id}`);
    const sa = only(workload, "kubernetes_service_account_v1").body.metadata;
    expect(sa.annotations["azure.workload.identity/client-id"]).toBe(`\${azurerm_user_assigned_identity.${identity.name}.client_id}`);
  });

  test("grants Key Vault Secrets User to that identity on the secret in the platform's vault", () => {
    const identity = only(workload, "azurerm_user_assigned_identity").name;
    const secret = only(workload, "azurerm_key_vault_secret");
    const grant = only(workload, "azurerm_role_assignment").body;
    expect(grant.role_definition_name).toBe("Key Vault Secrets User");
    expect(grant.principal_id).toBe(`\${azurerm_user_assigned_identity.${identity}.principal_id}`);
    expect(grant.scope).toBe(`\${azurerm_key_vault_secret.${secret.name}.resource_versionless_id}`);
    const vault = only(platform, "azurerm_key_vault").name;
    expect(acrossStacks(stacks, workload, secret.body.key_vault_id)).toBe(`\${azurerm_key_vault.${vault}.id}`);
  });

  test("runs the sample pod as that service account, labelled, reading the secret", () => {
    const sa = only(workload, "kubernetes_service_account_v1");
    const pod = only(workload, "kubernetes_pod_v1").body;
    expect(pod.metadata.name).toBe("sample-workload-identity-key-vault");
    expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
    expect(pod.spec.service_account_name).toBe(`\${kubernetes_service_account_v1.${sa.name}.metadata[0].name}`);
    const c = pod.spec.container[0];
    expect(c.image).toBe("ghcr.io/azure/azure-workload-identity/msal-go");
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(env.SECRET_NAME).toBe(only(workload, "azurerm_key_vault_secret").body.name);
    const vault = only(platform, "azurerm_key_vault").name;
    expect(acrossStacks(stacks, workload, env.KEYVAULT_URL)).toBe(`\${azurerm_key_vault.${vault}.vault_uri}`);
    expect(pod.spec.node_selector).toEqual({ "kubernetes.io/os": "linux" });
  });

  test("starts the pod only after the credential, the grant and the secret, plus a wait", () => {
    const pod = only(workload, "kubernetes_pod_v1").body;
    const sleep = only(workload, "time_sleep");
    expect(pod.depends_on).toEqual([`time_sleep.${sleep.name}`]);
    const fic = only(workload, "azurerm_federated_identity_credential").name;
    const grant = only(workload, "azurerm_role_assignment").name;
    const secret = only(workload, "azurerm_key_vault_secret").name;
    expect([...sleep.body.depends_on].sort()).toEqual(
      [`azurerm_federated_identity_credential.${fic}`, `azurerm_role_assignment.${grant}`, `azurerm_key_vault_secret.${secret}`].sort(),
    );
  });
});

describe("the app's settings", () => {
  test("follow the walkthroughs' environment variables", () => {
    const { stacks } = synthApp({
      RG_NAME: "myResourceGroup",
      AKS_NAME: "myAKSCluster",
      SERVICE_ACCOUNT_NAMESPACE: "wlipoc",
      SERVICE_ACCOUNT_NAME: "wi-sa",
      USER_ASSIGNED_IDENTITY_NAME: "wi-identity",
      FEDERATED_IDENTITY_CREDENTIAL_NAME: "wi-fic",
      KEYVAULT_NAME: "wliakvpoc",
      KEYVAULT_SECRET_NAME: "Secret",
    });
    const { platform, workload } = stacks;
    expect(only(platform, "azurerm_resource_group").body.name).toBe("myResourceGroup");
    expect(only(platform, "azurerm_kubernetes_cluster").body.name).toBe("myAKSCluster");
    expect(only(platform, "azurerm_key_vault").body.name).toBe("wliakvpoc");
    expect(only(workload, "azurerm_user_assigned_identity").body.name).toBe("wi-identity");
    const fic = only(workload, "azurerm_federated_identity_credential").body;
    expect([fic.name, fic.subject]).toEqual(["wi-fic", "system:serviceaccount:wlipoc:wi-sa"]);
    expect(only(workload, "kubernetes_namespace_v1").body.metadata.name).toBe("wlipoc");
    expect(only(workload, "azurerm_key_vault_secret").body.name).toBe("Secret");
  });

  test("switch to access policies with KEYVAULT_PERMISSION_MODEL", () => {
    const { stacks } = synthApp({ KEYVAULT_PERMISSION_MODEL: "access-policy" });
    expect(only(stacks.platform, "azurerm_key_vault").body.rbac_authorization_enabled).toBe(false);
    expect(only(stacks.workload, "azurerm_key_vault_access_policy").body.secret_permissions).toEqual(["Get"]);
    expect(all(stacks.workload, "azurerm_role_assignment")).toHaveLength(0);
  });

  test("put everything in one stack with STACK_LAYOUT=single-stack", () => {
    const { stacks } = synthApp({ STACK_LAYOUT: "single-stack" });
    const [only1] = Object.values(stacks);
    expect(Object.keys(stacks)).toEqual(["workload-identity"]);
    const cluster = only(only1, "azurerm_kubernetes_cluster").name;
    expect(only(only1, "azurerm_federated_identity_credential").body.issuer).toBe(
      `\${azurerm_kubernetes_cluster.${cluster}.oidc_issuer_url}`,
    );
    // In one stack the service account also waits for the deployer's cluster role to propagate.
    const roleWait = all(only1, "time_sleep").find((s) => s.body.triggers.role_assignment_id)!;
    expect(only(only1, "kubernetes_service_account_v1").body.depends_on).toEqual([`time_sleep.${roleWait.name}`]);
  });
});

describe("the default app's Terraform", () => {
  test("matches the reviewed snapshot, which holds no machine path", () => {
    const { outdir, stacks } = defaultApp();
    const text = JSON.stringify(stacks, null, 2);
    expect([text.includes(process.cwd()), text.includes(outdir)]).toEqual([false, false]);
    expect(stacks).toMatchSnapshot();
  });
});
