import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import YAML from "yaml";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import {
  AksWithOidc,
  ContainerRegistryAccess,
  FederatedApplicationWorkload,
  FederatedWorkload,
  KeyVaultSecretAccess,
  WorkloadIdentityChecks,
  WorkloadKeyVault,
} from "../lib";
import { main as manifestsCli } from "../lib/tools/manifests-cli";
import { buildApp } from "../stacks";
import { all, defaultConfig, newStack, only, resolve, synth } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";
const workload = (s: TerraformStack, props: Partial<ConstructorParameters<typeof FederatedWorkload>[2]> = {}) =>
  new FederatedWorkload(s, "app", { issuer: ISSUER, namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus", ...props });
const vaultIn = (s: TerraformStack) => new WorkloadKeyVault(s, "kv", { name: "kv-apps", resourceGroupName: "rg", location: "eastus" });

describe("CSI Secret Store driver", () => {
  test("AksWithOidc enables the Key Vault secrets provider add-on when asked", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", secretsStoreCsiDriver: true });
    expect(only(synth(s), "azurerm_kubernetes_cluster").body.key_vault_secrets_provider).toEqual({
      secret_rotation_enabled: true,
      secret_rotation_interval: "2m",
    });
  });

  test("the add-on is off by default", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    expect(only(synth(s), "azurerm_kubernetes_cluster").body.key_vault_secrets_provider).toBeUndefined();
  });

  test("a SecretProviderClass uses the workload's identity, the vault and the objects", () => {
    const s = newStack();
    const w = workload(s);
    w.addSecretProviderClass("spc", {
      name: "api-secrets",
      vault: vaultIn(s),
      objects: [{ name: "db-password", alias: "db", version: "0123456789abcdef0123456789abcdef" }, { name: "tls", type: "cert" }],
    });
    const json = synth(s);
    const identity = only(json, "azurerm_user_assigned_identity").name;
    const kv = only(json, "azurerm_key_vault").name;
    const m = only(json, "kubernetes_manifest").body.manifest;
    expect(m).toMatchObject({ apiVersion: "secrets-store.csi.x-k8s.io/v1", kind: "SecretProviderClass", metadata: { name: "api-secrets", namespace: "apps" } });
    expect(m.spec.provider).toBe("azure");
    expect(m.spec.parameters).toMatchObject({
      usePodIdentity: "false",
      clientID: `\${azurerm_user_assigned_identity.${identity}.client_id}`,
      keyvaultName: `\${azurerm_key_vault.${kv}.name}`,
      tenantID: `\${azurerm_key_vault.${kv}.tenant_id}`,
    });
    // The provider reads tenantID; the other spelling is deprecated.
    expect(m.spec.parameters).not.toHaveProperty("tenantId");
    const objects = YAML.parse(m.spec.parameters.objects).array.map((o: string) => YAML.parse(o));
    expect(objects).toEqual([
      { objectName: "db-password", objectAlias: "db", objectType: "secret", objectVersion: "0123456789abcdef0123456789abcdef" },
      { objectName: "tls", objectAlias: "tls", objectType: "cert", objectVersion: "" },
    ]);
  });

  test("a pod mounts the SecretProviderClass read-only at the path, and keeps the label", () => {
    const s = newStack();
    workload(s).addPod("pod", {
      name: "api",
      containers: [{ name: "api", image: "nginx" }],
      secretsStore: { secretProviderClass: "api-secrets", mountPath: "/mnt/secrets", external: true },
    });
    const pod = only(synth(s), "kubernetes_pod_v1").body;
    expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
    expect(pod.spec.volume).toEqual([
      { name: "secrets-store", csi: { driver: "secrets-store.csi.k8s.io", read_only: true, volume_attributes: { secretProviderClass: "api-secrets" } } },
    ]);
    expect(pod.spec.container[0].volume_mount).toEqual([{ name: "secrets-store", mount_path: "/mnt/secrets", read_only: true }]);
  });

  test("the platform stack enables the add-on with AKS_SECRETS_STORE_CSI=on", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-csi-"));
    const app = new App({ outdir });
    buildApp(app, defaultConfig({ AKS_SECRETS_STORE_CSI: "on" }));
    app.synth();
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "platform", "cdk.tf.json"), "utf8"));
    expect(only(json, "azurerm_kubernetes_cluster").body.key_vault_secrets_provider.secret_rotation_enabled).toBe(true);
  });

  test("refuses a SecretProviderClass in the stack that creates the cluster, saying what to do", () => {
    // kubernetes_manifest needs the CRD at plan time (terraform-provider-kubernetes manifest/provider/plan.go).
    const s = newStack();
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", secretsStoreCsiDriver: true });
    workload(s, { issuer: aks }).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db" }] });
    expect(() => synth(s)).toThrow(
      /addSecretProviderClass\("spc"\): the cluster test\/aks\/cluster is created in this same stack.*plan time.*AksWithOidc\.fromExisting.*kubernetesObjects: "manifests"/,
    );
  });

  test("accepts a SecretProviderClass in manifests mode next to the cluster", () => {
    const s = newStack();
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", secretsStoreCsiDriver: true });
    workload(s, { issuer: aks, kubernetesObjects: "manifests" }).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db" }] });
    expect(() => synth(s)).not.toThrow();
  });

  test("rejects an object version that is not a Key Vault version id", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db", version: "latest" }] });
    expect(() => synth(s)).toThrow(/SecretProviderClass spc object version "latest" must be a 32-character Key Vault version id/);
  });

  test("rejects two objects mounted under the same file name", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "a", alias: "f" }, { name: "b", alias: "f" }] });
    expect(() => synth(s)).toThrow(/mounts two objects as "f"/);
  });

  test("rejects a SecretProviderClass with no objects", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [] });
    expect(() => synth(s)).toThrow(/SecretProviderClass spc has no objects; add at least one/);
  });

  test("rejects an object name Key Vault cannot hold, naming the object field", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db_password" }] });
    expect(() => synth(s)).toThrow(/SecretProviderClass spc object name "db_password" must be letters, digits and '-' only/);
  });

  test("rejects an alias that is not a plain file name (the driver writes it under the mount path)", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db", alias: "../db" }] });
    expect(() => synth(s)).toThrow(/SecretProviderClass spc object alias "\.\.\/db" must be a file name \(letters, digits, '\.', '_', '-'\)/);
  });

  test.each(["0123456789abcdef0123456789abcdef0", "x0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcde"])(
    "rejects the object version %s (a version id is exactly 32 hex characters)",
    (version) => {
      const s = newStack();
      workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db", version }] });
      expect(() => synth(s)).toThrow(/SecretProviderClass spc object version ".*" must be a 32-character Key Vault version id/);
    },
  );

  test("accepts an empty object version (the latest) and a file-name alias", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db", alias: "db.password_v-1", version: "" }] });
    expect(() => synth(s)).not.toThrow();
  });

  test("rejects a tenantId that is not a GUID", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db" }], tenantId: "contoso.onmicrosoft.com" });
    expect(() => synth(s)).toThrow(/SecretProviderClass spc tenantId "contoso\.onmicrosoft\.com" must be a GUID \(tenant id\)/);
  });

  test("takes tenantId from the prop over the vault's tenant", () => {
    const s = newStack();
    const tenant = "00000000-0000-0000-0000-0000000000aa";
    workload(s).addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db" }], tenantId: tenant });
    expect(only(synth(s), "kubernetes_manifest").body.manifest.spec.parameters.tenantID).toBe(tenant);
  });

  test("a SecretProviderClass in a namespace another workload creates is ordered after that namespace", () => {
    const s = newStack();
    const w = workload(s);
    w.addSecretProviderClass("spc", { name: "x", vault: vaultIn(s), objects: [{ name: "db" }] });
    new FederatedWorkload(s, "creator", { issuer: ISSUER, namespace: "apps", serviceAccountName: "creator", resourceGroupName: "rg", location: "eastus", createNamespace: true });
    const json = synth(s);
    const ns = only(json, "kubernetes_namespace_v1").name;
    expect(only(json, "kubernetes_manifest").body.depends_on).toContain(`kubernetes_namespace_v1.${ns}`);
  });

  test("in manifests mode, the SecretProviderClass is written as YAML and its apply-time values become outputs named after the class", () => {
    const s = newStack();
    const w = workload(s, { kubernetesObjects: "manifests" });
    const spc = w.addSecretProviderClass("spc", { name: "api-secrets", vault: vaultIn(s), objects: [{ name: "db" }] });
    const json = synth(s);
    expect(json.resource?.kubernetes_manifest).toBeUndefined();
    expect(spc.resource).toBeUndefined();
    expect(w.manifests!.files.get("32-secretproviderclass/apps/api-secrets.yaml.tmpl")).toEqual([
      expect.objectContaining({ kind: "SecretProviderClass", metadata: { name: "api-secrets", namespace: "apps" } }),
    ]);
    const kv = only(json, "azurerm_key_vault").name;
    const output = Object.entries<any>(json.output).find(([, o]) => o.value === `\${azurerm_key_vault.${kv}.name}`)!;
    expect(output[0]).toBe("gitops_apps_api_api_secrets_keyvaultName");
  });
});

describe("Deployments", () => {
  test("label the pod template, set the service account and replicas, and wait for the credential", () => {
    const s = newStack();
    workload(s).addDeployment("dep", { name: "api", replicas: 3, containers: [{ name: "api", image: "nginx" }] });
    const json = synth(s);
    const sa = only(json, "kubernetes_service_account_v1").name;
    const sleep = only(json, "time_sleep").name;
    const d = only(json, "kubernetes_deployment_v1").body;
    expect(d.spec.replicas).toBe("3");
    expect(d.spec.selector.match_labels).toEqual({ app: "api" });
    expect(d.spec.template.metadata.labels).toEqual({ app: "api", "azure.workload.identity/use": "true" });
    expect(d.spec.template.spec.service_account_name).toBe(`\${kubernetes_service_account_v1.${sa}.metadata[0].name}`);
    expect(d.depends_on).toEqual([`time_sleep.${sleep}`]);
  });

  test("default to one replica", () => {
    const s = newStack();
    workload(s).addDeployment("dep", { name: "api", containers: [{ name: "api", image: "nginx" }] });
    expect(only(synth(s), "kubernetes_deployment_v1").body.spec.replicas).toBe("1");
  });

  test("reject a negative replica count", () => {
    const s = newStack();
    workload(s).addDeployment("dep", { name: "api", replicas: -1, containers: [{ name: "api", image: "nginx" }] });
    expect(() => synth(s)).toThrow(/deployment dep replicas -1 must be an integer from 0 to 1000/);
  });

  test("satisfy the security rule that a federated service account has a labelled pod", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-dep-")) });
    const s = new TerraformStack(app, "s");
    workload(s).addDeployment("dep", { name: "api", containers: [{ name: "api", image: "nginx" }] });
    expect(WorkloadIdentityChecks.findings(app).map((f) => f.ruleId)).not.toContain("AZWI004");
  });
});

describe("ACR pull", () => {
  test("creates a registry and gives the kubelet identity AcrPull on it", () => {
    const s = newStack();
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    new ContainerRegistryAccess(s, "acr", { cluster: aks, create: { name: "wilabacr123", resourceGroupName: "rg", location: "eastus" } });
    const json = synth(s);
    const cluster = only(json, "azurerm_kubernetes_cluster").name;
    const acr = only(json, "azurerm_container_registry");
    expect(acr.body).toMatchObject({ name: "wilabacr123", sku: "Standard", admin_enabled: false });
    const pull = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "AcrPull")!.body;
    expect(pull.principal_id).toBe(`\${azurerm_kubernetes_cluster.${cluster}.kubelet_identity[0].object_id}`);
    expect(pull.scope).toBe(`\${azurerm_container_registry.${acr.name}.id}`);
    expect(pull.skip_service_principal_aad_check).toBe(true);
  });

  test("attaches an existing registry read by name to an existing cluster", () => {
    const s = newStack();
    const aks = AksWithOidc.fromExisting(s, "aks", { name: "aks", resourceGroupName: "rg" });
    new ContainerRegistryAccess(s, "acr", { cluster: aks, existing: { name: "wilabacr123", resourceGroupName: "rg" } });
    const json = synth(s);
    const data = only(json, "azurerm_container_registry", "data").name;
    const pull = only(json, "azurerm_role_assignment").body;
    expect(pull.scope).toBe(`\${data.azurerm_container_registry.${data}.id}`);
    expect(pull.principal_id).toMatch(/data\.azurerm_kubernetes_cluster\..*\.kubelet_identity\[0\]\.object_id/);
  });

  test("needs exactly one registry source, and a valid name", () => {
    const s = newStack();
    const aks = AksWithOidc.fromExisting(s, "aks", { name: "aks", resourceGroupName: "rg" });
    new ContainerRegistryAccess(s, "acr", { cluster: aks, create: { name: "wi-acr", resourceGroupName: "rg", location: "eastus" }, registryId: "/x" });
    expect(() => synth(s)).toThrow(/needs exactly one of create, existing or registryId \(got 2\)[\s\S]*create\.name "wi-acr" must be letters and digits only/);
  });
});

describe("secret version pinning", () => {
  test("hands the pod KEY_VAULT_NAME, SECRET_NAME and the version this deploy writes", () => {
    const s = newStack();
    const access = new KeyVaultSecretAccess(s, "a", { workload: workload(s), vault: vaultIn(s), secrets: [{ name: "Secret" }] });
    const env = access.pinnedEnvironment();
    const json = synth(s);
    const kv = only(json, "azurerm_key_vault").name;
    const secret = only(json, "azurerm_key_vault_secret").name;
    const pinned = Object.keys(json.resource.terraform_data).find((n) => json.resource.terraform_data[n].input === `\${azurerm_key_vault_secret.${secret}.version}`);
    expect(resolve(s, env)).toEqual({
      KEY_VAULT_NAME: `\${azurerm_key_vault.${kv}.name}`,
      SECRET_NAME: "Secret",
      VERSION_ID: `\${terraform_data.${pinned}.output}`,
    });
  });

  test("pins the given version of an existing secret", () => {
    const s = newStack();
    const v = "ded8e5e3b3e040e9bfa5c47d0e28848a";
    const access = new KeyVaultSecretAccess(s, "a", { workload: workload(s), vault: vaultIn(s), secrets: [{ name: "Secret", existing: true, version: v }] });
    expect(access.pinnedEnvironment("Secret").VERSION_ID).toBe(v);
  });

  test("refuses to pin an existing secret without a version", () => {
    const s = newStack();
    const access = new KeyVaultSecretAccess(s, "a", { workload: workload(s), vault: vaultIn(s), secrets: [{ name: "Secret", existing: true }] });
    expect(() => access.pinnedEnvironment()).toThrow(/secret "Secret" is existing and has no `version` to pin/);
  });
});

describe("app-registration federation (clusters that are not AKS)", () => {
  function appStack() {
    const s = newStack();
    new AzureadProvider(s, "azuread", {});
    const w = new FederatedApplicationWorkload(s, "app", { issuer: "https://oidc.eks.example.com/id/ABC", namespace: "apps", serviceAccountName: "api" });
    return { s, w };
  }

  test("federates a new application with the cluster's issuer and the service account's subject", () => {
    const { s } = appStack();
    const json = synth(s);
    const app = only(json, "azuread_application");
    expect(app.body.display_name).toBe("wi-apps-api");
    expect(only(json, "azuread_service_principal").body.client_id).toBe(`\${azuread_application.${app.name}.client_id}`);
    const fic = only(json, "azuread_application_federated_identity_credential").body;
    expect(fic).toMatchObject({
      application_id: `\${azuread_application.${app.name}.id}`,
      issuer: "https://oidc.eks.example.com/id/ABC",
      subject: "system:serviceaccount:apps:api",
      audiences: ["api://AzureADTokenExchange"],
    });
  });

  test("annotates the service account with the application's client id and tenant", () => {
    const { s } = appStack();
    const json = synth(s);
    const app = only(json, "azuread_application").name;
    const sp = only(json, "azuread_service_principal").name;
    const annotations = only(json, "kubernetes_service_account_v1").body.metadata.annotations;
    expect(annotations["azure.workload.identity/client-id"]).toBe(`\${azuread_application.${app}.client_id}`);
    expect(annotations["azure.workload.identity/tenant-id"]).toBe(`\${azuread_service_principal.${sp}.application_tenant_id}`);
  });

  test("can be granted Key Vault access like a managed identity", () => {
    const { s, w } = appStack();
    new KeyVaultSecretAccess(s, "a", { workload: w, vault: vaultIn(s), secrets: [{ name: "db" }] });
    const json = synth(s);
    const sp = only(json, "azuread_service_principal").name;
    const grant = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "Key Vault Secrets User")!.body;
    expect(grant.principal_id).toBe(`\${azuread_service_principal.${sp}.object_id}`);
  });

  test("chains the credentials of a shared application and rejects a repeated subject", () => {
    const s = newStack();
    new AzureadProvider(s, "azuread", {});
    const application = { applicationId: "/applications/00000000-0000-0000-0000-000000000001", clientId: "c", principalId: "p", tenantId: "t" };
    new FederatedApplicationWorkload(s, "a", { issuer: ISSUER, serviceAccountName: "a", application });
    new FederatedApplicationWorkload(s, "b", { issuer: ISSUER, serviceAccountName: "b", application });
    const fics = all(synth(s), "azuread_application_federated_identity_credential");
    const a = fics.find((f) => f.body.subject.endsWith(":a"))!;
    expect(fics.find((f) => f.body.subject.endsWith(":b"))!.body.depends_on).toEqual([`azuread_application_federated_identity_credential.${a.name}`]);
    new FederatedApplicationWorkload(s, "c", { issuer: ISSUER, serviceAccountName: "a", application, federatedCredentialName: "again" });
    expect(() => synth(s)).toThrow(/"again" repeats the issuer and subject "system:serviceaccount:default:a"/);
  });

  test("counts credentials per application also when it is shared through another workload's principal", () => {
    const s = newStack();
    new AzureadProvider(s, "azuread", {});
    const first = new FederatedApplicationWorkload(s, "a", { issuer: ISSUER, serviceAccountName: "a" });
    new FederatedApplicationWorkload(s, "b", { issuer: ISSUER, serviceAccountName: "b", application: first.principal });
    const fics = all(synth(s), "azuread_application_federated_identity_credential");
    const a = fics.find((f) => f.body.subject.endsWith(":a"))!;
    expect(fics.find((f) => f.body.subject.endsWith(":b"))!.body.depends_on).toEqual([`azuread_application_federated_identity_credential.${a.name}`]);
  });

  test("rejects an empty display name", () => {
    const s = newStack();
    new AzureadProvider(s, "azuread", {});
    new FederatedApplicationWorkload(s, "a", { issuer: ISSUER, serviceAccountName: "a", applicationDisplayName: " " });
    expect(() => synth(s)).toThrow(/applicationDisplayName " " must not be empty/);
  });
});

describe("GitOps manifests", () => {
  function gitopsApp() {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-gitops-"));
    const app = new App({ outdir });
    buildApp(app, defaultConfig({ KUBERNETES_OBJECTS: "manifests", SERVICE_ACCOUNT_NAMESPACE: "wlipoc" }));
    app.synth();
    const dir = path.join(outdir, "stacks", "workload", "manifests");
    const read = (f: string) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS());
    const workloadJson = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "workload", "cdk.tf.json"), "utf8"));
    return { outdir, dir, read, workloadJson };
  }

  test("creates no Kubernetes resources and no Kubernetes provider", () => {
    const { workloadJson } = gitopsApp();
    expect(Object.keys(workloadJson.resource).filter((t) => t.startsWith("kubernetes_"))).toEqual([]);
    expect(workloadJson.provider.kubernetes).toBeUndefined();
  });

  test("writes the namespace, service account and pod as YAML, with the label and annotation", () => {
    const { dir, read } = gitopsApp();
    expect(fs.readdirSync(path.join(dir, "60-pod", "wlipoc"))).toEqual(["sample-workload-identity-key-vault.yaml.tmpl"]);
    expect(fs.readdirSync(path.join(dir, "10-serviceaccount", "wlipoc"))).toEqual(["workload-identity-sa.yaml.tmpl"]);
    expect(read("00-namespace/wlipoc.yaml.tmpl")).toEqual([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "wlipoc" } }]);
    const [sa] = read("10-serviceaccount/wlipoc/workload-identity-sa.yaml.tmpl");
    expect(sa.metadata.annotations["azure.workload.identity/client-id"]).toBe("{{tf-output:gitops_wlipoc_workload_identity_sa_client_id}}");
    const [pod] = read("60-pod/wlipoc/sample-workload-identity-key-vault.yaml.tmpl");
    expect(pod.metadata.labels).toEqual({ "azure.workload.identity/use": "true" });
    expect(pod.spec.serviceAccountName).toBe("workload-identity-sa");
    expect(pod.spec.containers[0].env).toContainEqual({ name: "KEYVAULT_URL", value: "{{tf-output:gitops_wlipoc_workload_identity_sa_KEYVAULT_URL}}" });
  });

  test("turns every value known only after apply into a Terraform output", () => {
    const { workloadJson } = gitopsApp();
    const identity = Object.keys(workloadJson.resource.azurerm_user_assigned_identity)[0];
    expect(workloadJson.output.gitops_wlipoc_workload_identity_sa_client_id.value).toBe(`\${azurerm_user_assigned_identity.${identity}.client_id}`);
  });

  test("fills the templates from cdktf deploy's outputs file", () => {
    const { outdir } = gitopsApp();
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({
      workload: { "gitops-manifests": { gitops_wlipoc_workload_identity_sa_client_id: "11111111-2222-3333-4444-555555555555", gitops_wlipoc_workload_identity_sa_KEYVAULT_URL: "https://kv.vault.azure.net/" } },
    }));
    const target = path.join(outdir, "gitops");
    jest.spyOn(console, "log").mockImplementation(() => undefined);
    expect(manifestsCli(["--outputs", outputs, "--out", target, outdir])).toBe(0);
    const [sa] = YAML.parseAllDocuments(fs.readFileSync(path.join(target, "workload", "manifests", "10-serviceaccount", "wlipoc", "workload-identity-sa.yaml"), "utf8")).map((d) => d.toJS());
    expect(sa.metadata.annotations["azure.workload.identity/client-id"]).toBe("11111111-2222-3333-4444-555555555555");
  });

  test("refuses to write manifests with an output missing", () => {
    const { outdir } = gitopsApp();
    const outputs = path.join(outdir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ workload: {} }));
    const errors: string[] = [];
    jest.spyOn(console, "error").mockImplementation((m: string) => void errors.push(m));
    expect(manifestsCli(["--outputs", outputs, "--out", path.join(outdir, "gitops"), outdir])).toBe(2);
    expect(errors.join("")).toMatch(/no usable value[\s\S]*workload: gitops_wlipoc_workload_identity_sa_client_id is missing/);
    expect(fs.existsSync(path.join(outdir, "gitops"))).toBe(false);
  });

  test("writes tolerationSeconds as a number, as the Kubernetes API wants", () => {
    const s = newStack();
    const w = workload(s, { kubernetesObjects: "manifests" });
    w.addDeployment("d", { name: "api", containers: [{ name: "api", image: "x" }], tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: "300" }] });
    const deployment = [...w.manifests!.files.values()].flat().find((o) => o.kind === "Deployment")!;
    expect(deployment.spec.template.spec.tolerations).toEqual([{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }]);
  });

  test("writes a deployment with one replica by default, its app selector, the label and the workload's service account", () => {
    const s = newStack();
    const w = workload(s, { kubernetesObjects: "manifests" });
    const d = w.addDeployment("d", { name: "api", containers: [{ name: "api", image: "x" }] });
    expect(d.resource).toBeUndefined();
    // The file holds the identity annotation (a reference) as an output placeholder, the rest as returned.
    const template = d.manifest!.spec.template;
    const placeheld = { ...template.metadata, annotations: { "aks-workload-identity-cdktf/identity": "{{tf-output:gitops_apps_api_identity}}" } };
    expect(w.manifests!.files.get("61-deployment/apps/api.yaml.tmpl")).toEqual([{ ...d.manifest, spec: { ...d.manifest!.spec, template: { ...template, metadata: placeheld } } }]);
    expect(d.manifest).toMatchObject({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "apps", labels: { app: "api" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "api" } },
        template: { metadata: { labels: { app: "api", "azure.workload.identity/use": "true" } }, spec: { serviceAccountName: "api" } },
      },
    });
  });

  test("the single-stack layout configures no Kubernetes provider either", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-gitops-"));
    const app = new App({ outdir });
    buildApp(app, defaultConfig({ KUBERNETES_OBJECTS: "manifests", STACK_LAYOUT: "single-stack" }));
    app.synth();
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "workload-identity", "cdk.tf.json"), "utf8"));
    expect(json.provider.kubernetes).toBeUndefined();
  });

  test("a later synth in terraform mode removes the YAML an earlier manifests-mode synth wrote", () => {
    const { outdir, dir } = gitopsApp();
    expect(fs.existsSync(dir)).toBe(true);
    const app = new App({ outdir });
    buildApp(app, defaultConfig({ SERVICE_ACCOUNT_NAMESPACE: "wlipoc" }));
    app.synth();
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(path.join(outdir, "stacks", "workload", "cdk.tf.json"))).toBe(true);
  });

  test("leaves directories it did not write alone", () => {
    const { outdir } = gitopsApp();
    const foreign = path.join(outdir, "stacks", "workload", "kustomize");
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "kustomization.yaml"), "resources: []\n");
    const app = new App({ outdir });
    buildApp(app, defaultConfig({}));
    app.synth();
    expect(fs.existsSync(path.join(foreign, "kustomization.yaml"))).toBe(true);
  });

  test("passes the security rules: the YAML pod counts as the service account's labelled pod", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-gitops-"));
    const app = new App({ outdir });
    buildApp(app, defaultConfig({ KUBERNETES_OBJECTS: "manifests" }));
    expect(WorkloadIdentityChecks.findings(app)).toEqual([]);
  });
});
