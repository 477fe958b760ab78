import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import * as YAML from "yaml";
import { FederatedWorkload } from "../lib";
import { diffModels, mermaidOf, renderReview, sharedAccessText } from "../lib/tools/review/render";
import { main } from "../lib/tools/review/cli";
import { WorkloadStack } from "../stacks";
import { AppRegistrationExample } from "../examples/app-registration";
import { checkMermaidAll, edited, handWrittenStack, model, root, sharedSynthDir, synthDir } from "./support/review-fixtures";

const base = sharedSynthDir();

/** The README's architecture diagram (the first Mermaid block). */
const readmeDiagram = () => /```mermaid\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(root, "README.md"), "utf8"))![1];
// Mermaid's parser runs in a child process that takes seconds to start: the file's two diagrams go
// through one run, on first use; each test reads its own diagram's result.
let mermaidResults: { app: string; readme: string; broken: string } | undefined;
const parsedByMermaid = () => {
  if (!mermaidResults) {
    const [app, readme, broken] = checkMermaidAll([mermaidOf(model(base)), readmeDiagram(), "flowchart LR\n  a --> "]);
    mermaidResults = { app, readme, broken };
  }
  return mermaidResults;
};

describe("review of the default app", () => {
  const m = model(base);

  test("follows one chain from the sample pod to the secret, across the two stacks", () => {
    expect(m.chains).toHaveLength(1);
    const [c] = m.chains;
    expect(c.pod).toMatchObject({ kind: "pod", namespace: "default", name: "sample-workload-identity-key-vault", labelled: true });
    expect(c.serviceAccount).toMatchObject({ namespace: "default", name: "workload-identity-sa" });
    expect(c.credential).toMatchObject({
      name: "myFedIdentity",
      subject: "system:serviceaccount:default:workload-identity-sa",
      issuer: "OIDC issuer of AKS aks-workload-identity (read)",
      audience: ["api://AzureADTokenExchange"],
    });
    expect(c.credential.identity.label).toBe("myIdentity");
    expect(c.grant).toMatchObject({ role: "Key Vault Secrets User", scope: "secret my-secret in vault azwi-kv-tutorial", scopeLevel: "secret" });
    expect(c.problems).toEqual([]);
  });

  test("renders the table row in words", () => {
    const md = renderReview(m);
    expect(md).toContain(
      "| pod default/sample-workload-identity-key-vault | default/workload-identity-sa | OIDC issuer of AKS aks-workload-identity (read) | `system:serviceaccount:default:workload-identity-sa` | `api://AzureADTokenExchange` | myIdentity | Key Vault Secrets User | secret my-secret in vault azwi-kv-tutorial |  |",
    );
    expect(md).toContain("## Guardrail findings\n\nNone.");
  });

  test("draws a Mermaid flowchart that mermaid's parser accepts", () => {
    expect(parsedByMermaid().app).toBe("ok:flowchart-v2");
  });

  test("reports no change against itself", () => {
    expect(diffModels(m, m)).toEqual([]);
    expect(renderReview(m, m)).toContain("No change to trust chains or grants.");
  });
});

describe("review with --base", () => {
  const m = model(base);

  test("marks a grant widened from the secret to the vault", () => {
    const changes = diffModels(m, model(sharedSynthDir({ KEYVAULT_GRANT_SCOPE: "vault" })));
    expect(changes[0]).toEqual({
      security: true,
      kind: "widened scope",
      text: "Key Vault Secrets User for myIdentity: secret my-secret in vault azwi-kv-tutorial → vault azwi-kv-tutorial",
    });
  });

  test("marks a federated credential whose subject changed as updated in place, a security change", () => {
    const changes = diffModels(m, model(sharedSynthDir({ SERVICE_ACCOUNT_NAME: "payments-api" })));
    expect(changes.find((c) => c.kind === "federated credential replaced")).toBeUndefined();
    expect(changes.find((c) => c.kind === "federated credential updated in place")).toEqual({
      security: true,
      kind: "federated credential updated in place",
      text:
        "myFedIdentity: subject `system:serviceaccount:default:workload-identity-sa` → `system:serviceaccount:default:payments-api`" +
        " – updated in place; tokens for the old trust stop working and the new one fails until it propagates",
    });
  });

  test("marks a new subject trusted by a new credential", () => {
    const head = synthDir({}, (app) => {
      const ws = app.node.findChild("workload") as WorkloadStack;
      new FederatedWorkload(ws, "second", { issuer: "https://issuer.example.com/", namespace: "batch", serviceAccountName: "reporter", identity: ws.workload.identity });
    });
    const change = diffModels(m, model(head)).find((c) => c.kind === "new subject")!;
    expect(change).toEqual({
      security: true,
      kind: "new subject",
      text: "myIdentity now trusts `system:serviceaccount:batch:reporter` from `https://issuer.example.com/` (credential fic-batch-reporter)",
    });
  });

  test("marks a stronger role on the same scope", () => {
    const head = edited(base, "workload", (json) => {
      for (const ra of Object.values<any>(json.resource.azurerm_role_assignment)) ra.role_definition_name = "Key Vault Secrets Officer";
    });
    const change = diffModels(m, model(head)).find((c) => c.kind === "stronger role")!;
    expect(change.text).toBe("myIdentity on secret my-secret in vault azwi-kv-tutorial: Key Vault Secrets User → Key Vault Secrets Officer");
  });

  test("marks a pod that lost the workload identity label", () => {
    const head = edited(base, "workload", (json) => {
      for (const pod of Object.values<any>(json.resource.kubernetes_pod_v1)) delete pod.metadata.labels["azure.workload.identity/use"];
    });
    const changes = diffModels(m, model(head));
    expect(changes.find((c) => c.kind === "lost workload identity label")).toMatchObject({ security: true });
    expect(model(head).chains[0].problems).toContain('pod default/sample-workload-identity-key-vault lacks azure.workload.identity/use: "true"');
  });

  test("lists security-relevant changes before the others", () => {
    const changes = diffModels(m, model(sharedSynthDir({ SERVICE_ACCOUNT_NAME: "payments-api", KEYVAULT_GRANT_SCOPE: "vault" })));
    const firstInfo = changes.findIndex((c) => !c.security);
    expect(firstInfo).toBeGreaterThan(0);
    expect(changes.slice(firstInfo).every((c) => !c.security)).toBe(true);
    expect(renderReview(model(sharedSynthDir({ KEYVAULT_GRANT_SCOPE: "vault" })), model(base))).toMatch(/## Changes from base\n\n- ⚠️ \*\*widened scope\*\*/);
  });
});

describe("review of GitOps mode", () => {
  test("reads the service account and pod from the YAML manifests", () => {
    const m = model(sharedSynthDir({ KUBERNETES_OBJECTS: "manifests" }));
    expect(m.chains).toHaveLength(1);
    const [c] = m.chains;
    expect(c.pod).toMatchObject({ kind: "pod (manifest)", namespace: "default", name: "sample-workload-identity-key-vault", labelled: true });
    expect(c.serviceAccount?.clientIdentity?.label).toBe("myIdentity");
    expect(c.problems).toEqual([]);
  });

  const gitops = sharedSynthDir({ KUBERNETES_OBJECTS: "manifests" });
  const withManifests = (edit: (dir: string) => void) => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-gitops-"));
    fs.cpSync(gitops, copy, { recursive: true });
    edit(path.join(copy, "stacks", "workload", "manifests"));
    return copy;
  };
  // The templates, relative to the manifests directory (`<NN>-<kind>/<namespace>/<name>.yaml.tmpl`).
  const yamlFiles = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".yaml.tmpl")).sort();

  test("keys objects by kind, namespace and name: moving one to another file is no change", () => {
    const moved = withManifests((d) => {
      const [f] = yamlFiles(d);
      fs.renameSync(path.join(d, f), path.join(d, `renamed-${path.basename(f)}`));
    });
    expect(diffModels(model(gitops), model(moved))).toEqual([]);
  });

  test("reads a Kubernetes object written as JSON, and flags a new one", () => {
    const head = withManifests((d) => {
      fs.writeFileSync(path.join(d, "extra.json"), JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "extra", namespace: "default" }, spec: { serviceAccountName: "workload-identity-sa", containers: [{ name: "x", image: "x" }] } }));
    });
    expect(diffModels(model(gitops), model(head))).toContainEqual(
      expect.objectContaining({ security: true, kind: "new workload", text: expect.stringContaining("runs as federated service account default/workload-identity-sa") }),
    );
  });

  test("resolves YAML merge keys: a client id given through an anchor is read", () => {
    const head = withManifests((d) => {
      const f = path.join(d, yamlFiles(d).find((x) => x.startsWith("10-serviceaccount"))!);
      const sa = YAML.parse(fs.readFileSync(f, "utf8"));
      const annotations = sa.metadata.annotations;
      fs.writeFileSync(
        f,
        `x-base: &base\n  azure.workload.identity/client-id: "00000000-0000-0000-0000-00000000000a"\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${sa.metadata.name}\n  namespace: ${sa.metadata.namespace}\n  annotations:\n    <<: *base\n`,
      );
      expect(annotations).toBeDefined();
    });
    expect(diffModels(model(gitops), model(head))).toContainEqual(
      expect.objectContaining({ security: true, kind: "service account annotation switched", text: expect.stringContaining("→ 00000000-0000-0000-0000-00000000000a") }),
    );
  });

  test("warns when two files hold the same object", () => {
    const head = withManifests((d) => {
      const [f] = yamlFiles(d);
      fs.copyFileSync(path.join(d, f), path.join(d, `copy-${path.basename(f)}`));
    });
    expect((model(head).warnings ?? []).join("\n")).toMatch(/is also in .* a GitOps tool applies one of them/);
  });
});

describe("review of scopes", () => {
  function withScopes(scopes: Record<string, string>): string {
    return edited(base, "workload", (json) => {
      json.data = { ...json.data, azurerm_subscription: { current: {} } };
      const [first] = Object.values<any>(json.resource.azurerm_role_assignment);
      json.resource.azurerm_role_assignment = Object.fromEntries(
        Object.entries(scopes).map(([name, scope]) => [name, { ...first, scope }]),
      );
    });
  }

  test("names a subscription data source as a subscription scope, and marks the widening", () => {
    const head = withScopes({ broad: "${data.azurerm_subscription.current.id}" });
    const grant = model(head).grants.find((g) => g.identity.label === "myIdentity")!;
    expect(grant.scopeLevel).toBe("subscription");
    expect(diffModels(model(base), model(head))[0]).toMatchObject({ security: true, kind: "widened scope" });
  });

  test("reports a removed grant even when the identity keeps the role elsewhere", () => {
    const twoScopes = withScopes({
      a: "${azurerm_key_vault_secret.secret-access_secret-my-secret_71014FE4.resource_versionless_id}",
      b: "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/other/secrets/x",
    });
    const oneScope = withScopes({ a: "${azurerm_key_vault_secret.secret-access_secret-my-secret_71014FE4.resource_versionless_id}" });
    const removed = diffModels(model(twoScopes), model(oneScope)).filter((c) => c.kind === "grant removed");
    expect(removed.map((c) => c.text)).toEqual([
      "Key Vault Secrets User on `/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/other/secrets/x` for myIdentity",
    ]);
  });
});

describe("review of a hand-written stack", () => {
  const dir = handWrittenStack();
  const m = model(dir);

  test("builds the chain from literal names and in-stack references", () => {
    expect(m.chains).toHaveLength(1);
    const [c] = m.chains;
    expect(c.pod).toMatchObject({ kind: "deployment", namespace: "payments", name: "api", labelled: true });
    expect(c.credential).toMatchObject({ issuer: "https://oidc.example.com/cluster-1/", subject: "system:serviceaccount:payments:api" });
    expect(c.credential.identity.label).toBe("payments-api");
    expect(c.grant).toMatchObject({ role: "Key Vault Secrets User", scope: "/subscriptions/0000/resourceGroups/payments", scopeLevel: "resource-group" });
  });

  test("shows the manifest's guardrail findings", () => {
    expect(renderReview(m)).toContain("- warn (apps): `[AZWI008] something`");
  });

  test("flags a service account annotated with another identity", () => {
    const bad = edited(dir, "apps", (json) => {
      json.resource.azurerm_user_assigned_identity.other = { name: "other", resource_group_name: "rg", location: "westeurope" };
      json.resource.kubernetes_service_account_v1.api.metadata.annotations["azure.workload.identity/client-id"] = "${azurerm_user_assigned_identity.other.client_id}";
    });
    expect(model(bad).chains[0].problems).toEqual(["service account annotation names other, not payments-api"]);
  });

  test("notes a literal client id that cannot be checked against the federated identity", () => {
    const literal = edited(dir, "apps", (json) => {
      json.resource.kubernetes_service_account_v1.api.metadata.annotations["azure.workload.identity/client-id"] = "11111111-2222-3333-4444-555555555555";
    });
    expect(model(literal).chains[0].problems).toEqual([
      "service account annotation is the literal client id 11111111-2222-3333-4444-555555555555; it cannot be checked against payments-api",
    ]);
  });

  test("follows app-registration chains: application, service principal and their grant", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-app-"));
    const app = new App({ outdir });
    new AppRegistrationExample(app, "eks");
    app.synth();
    const [c] = model(outdir).chains;
    expect(c.credential.identity.label).toBe("application wi-payments-api");
    expect(c.serviceAccount?.clientIdentity?.label).toBe("application wi-payments-api");
    expect(c.grant).toMatchObject({ role: "Key Vault Secrets User", scope: "secret db-password in vault kv-payments" });
    // The deployer owns what it creates (so a least-privilege deployer can manage it): one note, naming it.
    expect(c.problems).toEqual(["owner eks/data.azuread_client_config.azuread-deployer can add credentials to application wi-payments-api and act as it"]);
  });

  describe("applications are applications, and whoever can act as one is a principal of its chain", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-app-"));
    const app = new App({ outdir });
    new AppRegistrationExample(app, "eks");
    app.synth();
    const stackOf = () => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "eks", "cdk.tf.json"), "utf8"));
    const appAddress = Object.keys(stackOf().resource.azuread_application)[0];
    const baseModel = model(outdir);

    test("the picture labels the application as an application, not a managed identity", () => {
      const picture = mermaidOf(baseModel);
      expect(picture).toContain('("application wi-payments-api")');
      expect(picture).not.toContain("managed identity application");
    });

    test("a new application password is ⚠️ and noted on the chain", () => {
      const head = model(edited(outdir, "eks", (json) => (json.resource.azuread_application_password = { p: { application_id: `\${azuread_application.${appAddress}.id}`, display_name: "ci" } })));
      expect(diffModels(baseModel, head)).toContainEqual(
        expect.objectContaining({ security: true, kind: "new application credential", text: "password ci on application wi-payments-api: whoever holds it acts as it" }),
      );
      expect(head.chains[0].problems).toContain("whoever holds password ci acts as application wi-payments-api");
    });

    test("a new owner, on the application or as azuread_application_owner, is ⚠️", () => {
      const listed = model(edited(outdir, "eks", (json) => (json.resource.azuread_application[appAddress].owners = ["11111111-1111-1111-1111-111111111111"])));
      expect(diffModels(baseModel, listed)).toContainEqual(expect.objectContaining({ security: true, kind: "new application owner", text: expect.stringContaining("owns application wi-payments-api") }));
      const separate = model(
        edited(outdir, "eks", (json) => (json.resource.azuread_application_owner = { o: { application_id: `\${azuread_application.${appAddress}.id}`, owner_object_id: "22222222-2222-2222-2222-222222222222" } })),
      );
      expect(diffModels(baseModel, separate)).toEqual([expect.objectContaining({ security: true, kind: "new application owner" })]);
    });
  });
});

describe("review of shared identities", () => {
  /** The default app plus a second workload, batch/reporter, federated with the same identity. */
  const shareIdentity = (env: Record<string, string> = {}) =>
    synthDir(env, (app) => {
      const ws = app.node.findChild("workload") as WorkloadStack;
      new FederatedWorkload(ws, "second", { issuer: "https://issuer.example.com/", namespace: "batch", serviceAccountName: "reporter", identity: ws.workload.identity });
    });
  const sharedDir = shareIdentity();
  const shared = model(sharedDir);
  /** The shared app with batch/reporter's propagation wait depending on the Key Vault grant, or not. */
  const reporterWaits = (waits: boolean) =>
    edited(sharedDir, "workload", (json) => {
      const grant = `azurerm_role_assignment.${Object.keys(json.resource.azurerm_role_assignment)[0]}`;
      for (const [name, sleep] of Object.entries<any>(json.resource.time_sleep)) {
        if (!name.startsWith("second_")) continue;
        sleep.depends_on = [...sleep.depends_on.filter((d: string) => d !== grant), ...(waits ? [grant] : [])];
      }
    });
  const reporterGets = "batch/reporter gets Key Vault Secrets User on secret my-secret in vault azwi-kv-tutorial through shared identity myIdentity (";

  test("lists the access a workload gains only through a shared identity", () => {
    expect(shared.sharedAccess).toHaveLength(1);
    expect(shared.sharedAccess[0]).toMatchObject({ workload: "batch/reporter", grantedFor: ["default/workload-identity-sa"], sharedWith: ["default/workload-identity-sa"] });
    expect(renderReview(shared)).toContain(`Access gained only through a shared identity (vault-wide or broader in bold):\n- ⚠️ ${reporterGets}`);
  });

  test("says whom the grant was made for when only that workload waits for it", () => {
    expect(model(reporterWaits(false)).sharedAccess.map(sharedAccessText)).toEqual([
      `${reporterGets}granted for default/workload-identity-sa by workload/secret-access)`,
    ]);
  });

  test("falls back to the identity's own workload when every sharer waits for the grant", () => {
    expect(model(reporterWaits(true)).sharedAccess.map(sharedAccessText)).toEqual([
      `${reporterGets}identity of default/workload-identity-sa; granted by workload/secret-access)`,
    ]);
  });

  test("flags the shared-identity row in the table, not the row of the workload the grant was made for", () => {
    const rows = renderReview(shared).split("\n");
    expect(rows.find((l) => l.startsWith("| – | batch/reporter |"))).toContain("| ⚠️ through shared identity myIdentity (");
    expect(rows.find((l) => l.startsWith("| pod default/sample-workload-identity-key-vault |"))).toMatch(/ \|  \|$/);
  });

  test("puts vault-wide shared access in bold", () => {
    const line = renderReview(model(shareIdentity({ KEYVAULT_GRANT_SCOPE: "vault" })))
      .split("\n")
      .find((l) => l.includes("through shared identity") && l.startsWith("- "));
    expect(line).toMatch(/^- ⚠️ \*\*batch\/reporter gets Key Vault Secrets User on the whole vault azwi-kv-tutorial through shared identity myIdentity \(.*\)\*\*$/);
  });

  test("marks new access through a shared identity as a security change", () => {
    expect(diffModels(model(base), shared)).toContainEqual({ security: true, kind: "access through shared identity", text: sharedAccessText(shared.sharedAccess[0]) });
    expect(diffModels(shared, shared)).toEqual([]);
  });

  describe("in a hand-written stack", () => {
    const hand = handWrittenStack();
    /** Adds a second credential on payments-api for payments/worker (issuer and subject given). */
    const withSecondCredential = (json: any, subject = "system:serviceaccount:payments:worker", issuer = "https://oidc.example.com/cluster-1/") => {
      json.resource.azurerm_federated_identity_credential.worker = { ...json.resource.azurerm_federated_identity_credential.api, name: "worker-fic", subject, issuer };
    };

    test("flags every sharer when no workload waits for the grant", () => {
      const m = model(edited(hand, "apps", (json) => withSecondCredential(json)));
      expect(m.sharedAccess.map(sharedAccessText)).toEqual([
        "payments/api gets Key Vault Secrets User on the whole resource group /subscriptions/0000/resourceGroups/payments through shared identity payments-api (shared with payments/worker; nothing in these stacks tells which workload this grant was made for)",
        "payments/worker gets Key Vault Secrets User on the whole resource group /subscriptions/0000/resourceGroups/payments through shared identity payments-api (shared with payments/api; nothing in these stacks tells which workload this grant was made for)",
      ]);
    });

    test("ties a grant to the workload whose pod waits for it", () => {
      const m = model(
        edited(hand, "apps", (json) => {
          withSecondCredential(json);
          json.resource.kubernetes_deployment_v1.api.depends_on = ["azurerm_role_assignment.read"];
        }),
      );
      expect(m.sharedAccess.map((s) => [s.workload, s.grantedFor])).toEqual([["payments/worker", ["payments/api"]]]);
    });

    test("lists vault-wide or broader shared access first", () => {
      const md = renderReview(
        model(
          edited(hand, "apps", (json) => {
            withSecondCredential(json);
            json.resource.azurerm_role_assignment = {
              one: { scope: "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/one", role_definition_name: "Key Vault Secrets User", principal_id: "${azurerm_user_assigned_identity.api.principal_id}" },
              all: { scope: "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", role_definition_name: "Key Vault Secrets User", principal_id: "${azurerm_user_assigned_identity.api.principal_id}" },
            };
            json.resource.kubernetes_deployment_v1.api.depends_on = ["azurerm_role_assignment.one", "azurerm_role_assignment.all"];
          }),
        ),
      );
      const list = md.split("\n").filter((l) => l.startsWith("- ⚠️") && l.includes("shared identity"));
      expect(list).toEqual([
        "- ⚠️ **payments/worker gets Key Vault Secrets User on the whole vault `/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv` through shared identity payments-api (granted for payments/api)**",
        "- ⚠️ payments/worker gets Key Vault Secrets User on `/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/one` through shared identity payments-api (granted for payments/api)",
      ]);
    });

    test("flags every sharer when nothing tells which one a grant was made for (every sharer's pod waits for it, as with a standalone identity)", () => {
      const m = model(
        edited(hand, "apps", (json) => {
          withSecondCredential(json);
          const api = json.resource.kubernetes_deployment_v1.api;
          api.depends_on = ["azurerm_role_assignment.read"];
          json.resource.kubernetes_deployment_v1.worker = JSON.parse(JSON.stringify(api).replace(/"api"/g, '"worker"'));
        }),
      );
      expect(m.workloads.map((w) => `${w.namespace}/${w.serviceAccount}`)).toEqual(["payments/api", "payments/worker"]);
      expect(m.sharedAccess.map((x) => [x.workload, x.grantedFor, x.evidence])).toEqual([
        ["payments/api", [], "none"],
        ["payments/worker", [], "none"],
      ]);
    });

    test("does not count one service account trusted from two clusters as sharing", () => {
      const m = model(edited(hand, "apps", (json) => withSecondCredential(json, "system:serviceaccount:payments:api", "https://oidc.example.com/cluster-2/")));
      expect(m.sharedAccess).toEqual([]);
    });
  });
});

describe("review of federated credential changes", () => {
  const hand = handWrittenStack();
  const withCredential = (edit: (fic: any, json: any) => void) => edited(hand, "apps", (json) => edit(json.resource.azurerm_federated_identity_credential.api, json));
  const credentialChanges = (head: string) => diffModels(model(hand), model(head)).filter((c) => c.kind.startsWith("federated credential"));

  test("treats a new issuer or audience as an in-place update", () => {
    const head = withCredential((fic) => {
      fic.issuer = "https://oidc.example.com/cluster-2/";
      fic.audience = ["api://other"];
    });
    expect(credentialChanges(head)).toEqual([
      {
        security: true,
        kind: "federated credential updated in place",
        text:
          "payments-api-fic: issuer `https://oidc.example.com/cluster-1/` → `https://oidc.example.com/cluster-2/`; audience `api://AzureADTokenExchange` → `api://other`" +
          " – updated in place; tokens for the old trust stop working and the new one fails until it propagates",
      },
    ]);
  });

  test("marks a renamed credential as replaced", () => {
    const head = withCredential((fic) => (fic.name = "payments-api-fic-2"));
    expect(credentialChanges(head)).toEqual([
      {
        security: true,
        kind: "federated credential replaced",
        text: "payments-api-fic-2: name payments-api-fic → payments-api-fic-2 – a new name, identity or resource group forces replacement; tokens fail until the new credential propagates",
      },
    ]);
  });

  test("marks a credential moved to another identity as replaced, even when its subject changes too", () => {
    const head = withCredential((fic, json) => {
      json.resource.azurerm_user_assigned_identity.other = { name: "other", resource_group_name: "rg", location: "westeurope" };
      fic.parent_id = "${azurerm_user_assigned_identity.other.id}";
      fic.subject = "system:serviceaccount:payments:worker";
    });
    const [change] = credentialChanges(head);
    expect(change.kind).toBe("federated credential replaced");
    expect(change.text).toContain("subject `system:serviceaccount:payments:api` → `system:serviceaccount:payments:worker`; identity payments-api → other");
  });

  test("marks a credential moved to another resource group as replaced", () => {
    const [change] = credentialChanges(withCredential((fic) => (fic.resource_group_name = "rg-2")));
    expect(change).toMatchObject({ security: true, kind: "federated credential replaced" });
    expect(change.text).toContain("resource group rg → rg-2");
  });

  test("renders an in-place update as a marked security change", () => {
    const head = withCredential((fic) => (fic.subject = "system:serviceaccount:payments:worker"));
    expect(renderReview(model(head), model(hand))).toContain("- ⚠️ **federated credential updated in place**: payments-api-fic: subject");
  });
});

describe("review of privileged roles", () => {
  const hand = handWrittenStack();
  /** The hand-written stack with its one grant replaced by `grant` (to the workload's identity). */
  const withGrant = (grant: Record<string, unknown>) =>
    edited(hand, "apps", (json) => {
      json.resource.azurerm_role_assignment = { read: { principal_id: "${azurerm_user_assigned_identity.api.principal_id}", ...grant } };
    });
  const notes = (dir: string) => {
    const row = renderReview(model(dir)).split("\n").find((l) => l.startsWith("| deployment payments/api |"))!;
    return row.split(" | ").pop()!.replace(/ ?\|$/, "");
  };
  const vault = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

  test("flags an Owner grant on a subscription in the table", () => {
    expect(notes(withGrant({ scope: "/subscriptions/0000", role_definition_name: "Owner" }))).toBe("⚠️ privileged role Owner on a whole subscription");
  });

  test("flags Contributor on a resource group and any Administrator role", () => {
    expect(notes(withGrant({ scope: "/subscriptions/0000/resourceGroups/rg", role_definition_name: "Contributor" }))).toBe(
      "⚠️ privileged role Contributor on a whole resource group",
    );
    expect(notes(withGrant({ scope: vault, role_definition_name: "Key Vault Administrator" }))).toBe("⚠️ privileged role Key Vault Administrator");
  });

  test("does not flag Key Vault Secrets User on a vault", () => {
    expect(notes(withGrant({ scope: vault, role_definition_name: "Key Vault Secrets User" }))).toBe("");
  });

  test("names a built-in role given by its subscription-qualified role_definition_id and flags it like the named role", () => {
    const dir = withGrant({ scope: "/subscriptions/0000", role_definition_id: "/subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635" });
    expect(model(dir).grants[0]).toMatchObject({ role: "Owner", roleDefinitionId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" });
    expect(notes(dir)).toBe("⚠️ privileged role Owner on a whole subscription");
  });

  test("names a role given by the provider-level role_definition_id, so switching from the name is no change", () => {
    const byName = withGrant({ scope: vault, role_definition_name: "Key Vault Secrets User" });
    const byId = withGrant({ scope: vault, role_definition_id: "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6" });
    expect(model(byId).grants[0].role).toBe("Key Vault Secrets User");
    expect(diffModels(model(byName), model(byId))).toEqual([]);
  });

  test("reads the role GUID when the subscription part of role_definition_id is an interpolation", () => {
    const dir = withGrant({ scope: vault, role_definition_id: "${data.azurerm_subscription.current.id}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c" });
    expect(model(dir).grants[0].role).toBe("Contributor");
  });

  test("reads the role of an azurerm_role_definition data source", () => {
    const dir = edited(withGrant({ scope: vault, role_definition_id: "${data.azurerm_role_definition.admin.id}" }), "apps", (json) => {
      json.data = { azurerm_role_definition: { admin: { name: "User Access Administrator" } } };
    });
    expect(notes(dir)).toBe("⚠️ privileged role User Access Administrator");
  });

  test("shows an unknown role definition GUID as unknown and ranks it as privileged", () => {
    const reader = withGrant({ scope: "/subscriptions/0000/resourceGroups/rg", role_definition_name: "Reader" });
    const unknown = withGrant({ scope: "/subscriptions/0000/resourceGroups/rg", role_definition_id: "/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-3333-4444-555555555555" });
    expect(model(unknown).grants[0].role).toBe("role 11111111-2222-3333-4444-555555555555 (unknown built-in role; check it)");
    expect(notes(unknown)).toBe("⚠️ unknown role 11111111-2222-3333-4444-555555555555 treated as privileged on a whole resource group");
    expect(diffModels(model(reader), model(unknown))[0]).toMatchObject({ security: true, kind: "stronger role" });
  });

  test("flags a privileged grant to a managed identity without a federated credential", () => {
    const dir = edited(hand, "apps", (json) => {
      json.resource.azurerm_user_assigned_identity.ops = { name: "ops", resource_group_name: "rg", location: "westeurope" };
      json.resource.azurerm_role_assignment.ops = { scope: "/subscriptions/0000", role_definition_name: "Owner", principal_id: "${azurerm_user_assigned_identity.ops.principal_id}" };
    });
    expect(renderReview(model(dir))).toContain("- ⚠️ Owner on /subscriptions/0000 for ops (privileged role Owner on a whole subscription)");
  });
});

describe("review CLI", () => {
  let stdout: string[];
  let stderr: string[];
  beforeEach(() => {
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, "write").mockImplementation((s: any) => (stdout.push(String(s)), true));
    jest.spyOn(console, "error").mockImplementation((s: any) => void stderr.push(String(s)));
  });
  afterEach(() => jest.restoreAllMocks());

  test("writes Markdown to stdout and exits 0", () => {
    expect(main([base])).toBe(0);
    expect(stdout.join("")).toMatch(/^## Workload identity: who can read what/);
  });

  test("writes to --out", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "azwi-out-")), "review.md");
    expect(main(["--base", base, "--out", out, sharedSynthDir({ KEYVAULT_GRANT_SCOPE: "vault" })])).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toContain("## Changes from base");
  });

  test("exits 2 with a clear message on a directory that is not a synth output", () => {
    expect(main([os.tmpdir() + "/does-not-exist"])).toBe(2);
    expect(stderr.join("")).toMatch(/no manifest\.json here – pass a cdktf synth output directory/);
  });

  test("exits 2 on a bad option", () => {
    expect(main(["--colour", base])).toBe(2);
    expect(stderr.join("")).toMatch(/unknown option --colour/);
  });

  test("runs as `npm run review`", () => {
    const r = spawnSync("npm", ["run", "--silent", "review", "--", base], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("| pod default/sample-workload-identity-key-vault |");
  });
});

describe("the README's architecture diagram", () => {
  test("parses as Mermaid", () => {
    expect(parsedByMermaid().readme).toBe("ok:flowchart-v2");
  });
});

describe("the Mermaid check", () => {
  test("refuses a diagram that does not parse (the check can fail)", () => {
    expect(parsedByMermaid().broken).toMatch(/^error:/);
  });
});
