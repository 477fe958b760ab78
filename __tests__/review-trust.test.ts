/**
 * A review a reviewer can trust. Each change that alters who acts as whom or who can
 * read what is flagged ⚠️ in Changes when it is the only change; anything identity-relevant that
 * the model does not understand is an "unmodelled change", never "no change"; malformed input
 * exits 2 naming the file; the example workflow reviews with the base's tool.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { diffModels, privilegeNote, renderReview } from "../lib/tools/review/render";
import { main } from "../lib/tools/review/cli";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { WorkloadIdentityChecks } from "../lib";
import { edited, model, root, synthDir, writeSynthDir } from "./support/review-fixtures";

const base = synthDir();
const baseModel = model(base);
const one = (o: Record<string, any>) => Object.values<any>(o)[0];
const oneKey = (o: Record<string, any>) => Object.keys(o)[0];
const identityPrincipal = (json: any) => `\${azurerm_user_assigned_identity.${oneKey(json.resource.azurerm_user_assigned_identity)}.principal_id}`;

/** One edit of the default app's synth output per change kind the issue lists. */
const edits: Array<[string, string, (json: any) => void]> = [
  ["the identity added to an Entra group", "workload", (json) => {
    json.resource.azuread_group = { admins: { display_name: "platform-admins", security_enabled: true } };
    json.resource.azuread_group_member = { m: { group_object_id: "${azuread_group.admins.object_id}", member_object_id: identityPrincipal(json) } };
  }],
  ["a module that grants Owner", "workload", (json) => {
    json.module = { owner: { source: "./modules/owner", principal_id: identityPrincipal(json), role: "Owner" } };
  }],
  ["key and certificate permissions in an access policy", "platform", (json) => {
    json.resource.azurerm_key_vault_access_policy = {
      p: { key_vault_id: `\${azurerm_key_vault.${oneKey(json.resource.azurerm_key_vault)}.id}`, tenant_id: "t", object_id: "11111111-2222-3333-4444-555555555555", key_permissions: ["Get", "Decrypt"], certificate_permissions: ["Get"] },
    };
  }],
  ["an inline access_policy block", "platform", (json) => {
    one(json.resource.azurerm_key_vault).access_policy = [{ tenant_id: "t", object_id: "11111111-2222-3333-4444-555555555555", secret_permissions: ["Get", "List", "Set"] }];
  }],
  ["a vault switched from RBAC to access policies", "platform", (json) => {
    one(json.resource.azurerm_key_vault).rbac_authorization_enabled = false;
  }],
  ["purge protection turned off", "platform", (json) => {
    one(json.resource.azurerm_key_vault).purge_protection_enabled = false;
  }],
  ["a shorter soft-delete retention", "platform", (json) => {
    one(json.resource.azurerm_key_vault).soft_delete_retention_days = 7;
  }],
  ["a removed time_sleep", "workload", (json) => {
    delete json.resource.time_sleep;
  }],
  ["an identity replaced by a location change", "workload", (json) => {
    one(json.resource.azurerm_user_assigned_identity).location = "northeurope";
  }],
  ["a service account switched to another identity's client id", "workload", (json) => {
    json.resource.azurerm_user_assigned_identity.other = { name: "other", resource_group_name: "rg-other", location: "westeurope" };
    one(json.resource.kubernetes_service_account_v1).metadata.annotations["azure.workload.identity/client-id"] = "${azurerm_user_assigned_identity.other.client_id}";
  }],
  ["a second identity with the same name granted the same secret", "workload", (json) => {
    const id = one(json.resource.azurerm_user_assigned_identity);
    json.resource.azurerm_user_assigned_identity.twin = { ...id, resource_group_name: "rg-elsewhere" };
    json.resource.azurerm_role_assignment.twin = { ...one(json.resource.azurerm_role_assignment), principal_id: "${azurerm_user_assigned_identity.twin.principal_id}" };
  }],
  ["Owner given by role_definition_id", "workload", (json) => {
    const ra = one(json.resource.azurerm_role_assignment);
    delete ra.role_definition_name;
    ra.role_definition_id = "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  }],
  ["a flexible federated credential on an app registration", "workload", (json) => {
    json.resource.azuread_application_flexible_federated_identity_credential = { f: { application_id: "/applications/x", display_name: "any-branch", issuer: "https://token.actions.githubusercontent.com", audience: "api://AzureADTokenExchange", claims_matching_expression: "claims['sub'] matches 'repo:org/*'" } };
  }],
  ["a Kubernetes role binding to the workload's service account", "workload", (json) => {
    json.resource.kubernetes_role_binding_v1 = { b: { metadata: { name: "x" }, role_ref: { kind: "ClusterRole", name: "cluster-admin", api_group: "rbac.authorization.k8s.io" }, subject: [{ kind: "ServiceAccount", name: "workload-identity-sa" }] } };
  }],
  ["the cluster's workload identity turned off", "platform", (json) => {
    one(json.resource.azurerm_kubernetes_cluster).workload_identity_enabled = false;
  }],
];

describe("every identity-relevant change is flagged ⚠️ when it is the only change", () => {
  test.each(edits)("%s", (_name, stack, edit) => {
    const head = model(edited(base, stack, edit));
    const changes = diffModels(baseModel, head);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.some((c) => c.security)).toBe(true);
    const md = renderReview(head, baseModel);
    expect(md).not.toContain("No change to trust chains or grants.");
    expect(md).toMatch(/^- ⚠️ \*\*/m);
  });
});

describe("modelled changes say what they mean", () => {
  const changesFor = (stack: string, edit: (json: any) => void) => diffModels(baseModel, model(edited(base, stack, edit)));

  test("names an Owner role given by its GUID and ranks it above Key Vault Secrets User", () => {
    const [change] = changesFor("workload", edits[11][2]);
    expect(change).toMatchObject({ security: true, kind: "stronger role" });
    expect(change.text).toContain("Key Vault Secrets User → Owner");
  });

  test("reports a service account switched to another identity's client id as a switch, not only a note", () => {
    const change = changesFor("workload", edits[9][2]).find((c) => c.kind === "service account annotation switched")!;
    expect(change.security).toBe(true);
    expect(change.text).toContain("client id myIdentity → other – pods that use it now act as other");
  });

  test("tells a second identity with the same name apart by its resource group", () => {
    const change = changesFor("workload", edits[10][2]).find((c) => c.kind === "new grant")!;
    expect(change.text).toMatch(/for myIdentity \(resource group rg-elsewhere\)$/);
  });

  test("reports an identity replaced by a location change as a new principal", () => {
    const [change] = changesFor("workload", edits[8][2]);
    expect(change).toMatchObject({ security: true, kind: "identity replaced" });
    expect(change.text).toContain("location northeurope – a new principal and client id");
  });

  test("reports a vault switched to access policies and notes that its role grants nothing", () => {
    const head = model(edited(base, "platform", edits[4][2]));
    expect(diffModels(baseModel, head)[0]).toMatchObject({ security: true, kind: "vault permission model changed" });
    expect(head.chains[0].problems).toContain("vault azwi-kv-tutorial uses access policies: this role grants no secret access");
  });

  test("reports a removed ABAC condition", () => {
    const withCondition = edited(base, "workload", (json) => {
      one(json.resource.azurerm_role_assignment).condition = "@Resource[Microsoft.KeyVault/vaults/secrets:name] StringEquals 'my-secret'";
      one(json.resource.azurerm_role_assignment).condition_version = "2.0";
    });
    const changes = diffModels(model(withCondition), baseModel);
    expect(changes[0]).toMatchObject({ security: true, kind: "grant condition removed" });
  });

  test("reports a pod that newly gains the label", () => {
    const unlabelled = edited(base, "workload", (json) => delete one(json.resource.kubernetes_pod_v1).metadata.labels["azure.workload.identity/use"]);
    expect(diffModels(model(unlabelled), baseModel)).toContainEqual(expect.objectContaining({ security: true, kind: "gained workload identity label" }));
  });

  test("marks access-policy permissions beyond secrets Get/List as privileged in the table", () => {
    const head = edited(base, "platform", (json) => {
      json.resource.azurerm_key_vault_access_policy = {
        p: { key_vault_id: `\${azurerm_key_vault.${oneKey(json.resource.azurerm_key_vault)}.id}`, tenant_id: "t", object_id: "${data.terraform_remote_state.x.outputs.y}", secret_permissions: ["Get", "Set"] },
      };
    });
    const grant = model(head).grants.find((g) => g.kind === "access-policy")!;
    expect(grant.role).toBe("access policy: secrets Get, Set");
    expect(privilegeNote(grant)).toBe("access policy beyond secrets Get/List");
  });

  test("lists a change in an identity-relevant type it does not model as an unmodelled change", () => {
    const changes = changesFor("workload", edits[13][2]);
    expect(changes).toEqual([expect.objectContaining({ security: true, kind: "unmodelled change" })]);
    expect(changes[0].text).toContain("`kubernetes_role_binding_v1.b` in stack workload added – the review does not model this: check it");
  });

  test("ignores tags on an identity (an inert attribute)", () => {
    const head = edited(base, "workload", (json) => {
      one(json.resource.azurerm_user_assigned_identity).tags = { team: "x" };
    });
    expect(diffModels(baseModel, model(head))).toEqual([]);
  });

  test("flags a new image of a pod that runs as a federated service account (what runs as the identity changed)", () => {
    const head = edited(base, "workload", (json) => {
      one(json.resource.kubernetes_pod_v1).spec.container[0].image = "nginx:2";
    });
    expect(diffModels(baseModel, model(head))).toEqual([
      expect.objectContaining({ security: true, kind: "code running as a federated service account changed", text: expect.stringContaining("`image` changed – the new code gets the identity's tokens") }),
    ]);
  });


});

describe("resolved values, not raw arguments", () => {
  test("a scope moved from a secret's resource_versionless_id to its key_vault_id is the whole vault: ⚠️ widened scope", () => {
    const head = model(
      edited(base, "workload", (json) => {
        const ra = one(json.resource.azurerm_role_assignment);
        ra.scope = ra.scope.replace(/\.[a-z_]+\}$/, ".key_vault_id}");
      }),
    );
    const before = one(JSON.parse(fs.readFileSync(path.join(base, "stacks", "workload", "cdk.tf.json"), "utf8")).resource.azurerm_role_assignment).scope;
    expect(before).toMatch(/^\$\{(data\.)?azurerm_key_vault_secret\./);
    expect(diffModels(baseModel, head)).toContainEqual(expect.objectContaining({ security: true, kind: "widened scope", text: expect.stringContaining("→ vault azwi-kv-tutorial") }));
  });

  test("a scope on another attribute of a secret is shown as written, never as the secret", () => {
    const head = model(
      edited(base, "workload", (json) => {
        const ra = one(json.resource.azurerm_role_assignment);
        ra.scope = ra.scope.replace(/\.[a-z_]+\}$/, ".name}");
      }),
    );
    expect(head.grants.some((g) => /azurerm_key_vault_secret\.[^.]+\.name$/.test(g.scope))).toBe(true);
    expect(diffModels(baseModel, head).some((c) => c.security)).toBe(true);
  });

  test("an identity with the same name and resource group under an aliased provider is another principal", () => {
    const handWritten = (alias?: string) =>
      model(
        writeSynthDir({
          apps: {
            provider: { azurerm: [{ features: {} }, { alias: "other", features: {}, subscription_id: "00000000-0000-0000-0000-0000000000bb" }] },
            resource: {
              azurerm_user_assigned_identity: { a: { name: "api", resource_group_name: "rg", location: "westeurope", ...(alias ? { provider: `azurerm.${alias}` } : {}) } },
              azurerm_role_assignment: { r: { scope: "/subscriptions/0/resourceGroups/rg", role_definition_name: "Reader", principal_id: "${azurerm_user_assigned_identity.a.principal_id}" } },
            },
          },
        }),
      );
    const [before, after] = [handWritten(), handWritten("other")];
    expect(after.grants[0].identity.key).not.toBe(before.grants[0].identity.key);
    expect(after.grants[0].identity.key).toContain("00000000-0000-0000-0000-0000000000bb/");
    expect(diffModels(before, after).some((c) => c.security)).toBe(true);
  });

  test("a credential whose replacement arguments are unchanged, written differently, is no change; its other arguments are compared", () => {
    const head = model(
      edited(base, "workload", (json) => {
        one(json.resource.azurerm_federated_identity_credential).lifecycle = { ignore_changes: ["subject"] };
      }),
    );
    expect(diffModels(baseModel, head)).toEqual([expect.objectContaining({ security: true, kind: "unmodelled change", text: expect.stringContaining("changed: `lifecycle`") })]);
  });

  test("a terraform_remote_state whose config disagrees with the producing stack's backend is ⚠️ and not followed", () => {
    const headDir = edited(base, "workload", (json) => {
      const [name, remote] = Object.entries<any>(json.data.terraform_remote_state)[0];
      remote.config = { path: "/tmp/somebody-elses.tfstate" };
      expect(name).toBe("cross-stack-reference-input-platform");
    });
    const head = model(headDir);
    expect(head.warnings!.join("\n")).toContain("data.terraform_remote_state.cross-stack-reference-input-platform is named for stack platform but reads another state");
    expect(head.chains[0].credential.issuer).not.toBe(baseModel.chains[0].credential.issuer);
    expect(diffModels(baseModel, head).some((c) => c.security)).toBe(true);
    expect(renderReview(head, baseModel)).toMatch(/### Review warnings\n\n- ⚠️ .*reads another state/);
  });

  test("a scope given through a local value or a variable's default is followed: widening it to the vault is ⚠️ widened scope", () => {
    for (const how of ["local", "var"] as const) {
      const head = model(
        edited(base, "workload", (json) => {
          const ra = one(json.resource.azurerm_role_assignment);
          const vaultScope = ra.scope.replace(/\.[a-z_]+\}$/, ".key_vault_id}");
          if (how === "local") json.locals = { scope: vaultScope };
          else json.variable = { ...json.variable, scope: { type: "string", default: vaultScope } };
          ra.scope = `\${${how}.scope}`;
        }),
      );
      expect([how, diffModels(baseModel, head).find((c) => c.kind === "widened scope")?.text]).toEqual([how, expect.stringContaining("→ vault azwi-kv-tutorial")]);
    }
  });

  test("a federated credential naming its identity by user_assigned_identity_id (azurerm 4.66+) is read as one by parent_id", () => {
    const head = model(
      edited(base, "workload", (json) => {
        const fic = one(json.resource.azurerm_federated_identity_credential);
        fic.user_assigned_identity_id = fic.parent_id;
        delete fic.parent_id;
      }),
    );
    expect(head.chains[0].credential.identity.label).toBe("myIdentity");
    expect(diffModels(baseModel, head)).toEqual([]);
  });
});

describe("the service account is the trust boundary, not the label", () => {
  const pod = (json: any) => one(json.resource.kubernetes_pod_v1);

  test("a new unlabelled pod running as a federated service account is ⚠️", () => {
    const head = model(
      edited(base, "workload", (json) => {
        const p = JSON.parse(JSON.stringify(pod(json)));
        p.metadata = { name: "unlabelled", namespace: "default" };
        json.resource.kubernetes_pod_v1.unlabelled = p;
      }),
    );
    expect(diffModels(baseModel, head)).toContainEqual(
      expect.objectContaining({ security: true, kind: "new workload", text: expect.stringContaining("runs as federated service account default/workload-identity-sa without the azure.workload.identity/use label") }),
    );
  });

  test("a projected service account token volume is ⚠️", () => {
    const head = model(
      edited(base, "workload", (json) => {
        const spec = pod(json).spec;
        spec.volume = [...(spec.volume ?? []), { name: "tok", projected: [{ sources: [{ service_account_token: [{ audience: "api://AzureADTokenExchange", path: "token" }] }] }] }];
      }),
    );
    expect(diffModels(baseModel, head)).toContainEqual(expect.objectContaining({ security: true, kind: "projected service account token" }));
  });

  test("a token request is ⚠️ token request", () => {
    const head = model(
      edited(base, "workload", (json) => {
        json.resource.kubernetes_token_request_v1 = { t: { metadata: { name: "workload-identity-sa", namespace: "default" }, spec: { audiences: ["api://AzureADTokenExchange"] } } };
      }),
    );
    expect(diffModels(baseModel, head)).toEqual([expect.objectContaining({ security: true, kind: "token request" })]);
  });
});

describe("the security pass's record", () => {
  test("a stack that no longer carries it (skipValidation) is ⚠️ guardrails did not run, and the findings say so instead of None", () => {
    const head = model(edited(base, "workload", (json) => delete json["//"].azwi_guardrails));
    expect(diffModels(baseModel, head)).toEqual([expect.objectContaining({ security: true, kind: "guardrails did not run" })]);
    const md = renderReview(head, baseModel);
    expect(md).toMatch(/## Guardrail findings\n\n- ⚠️ \*\*guardrails did not run\*\* for stack workload: no record of the security pass/);
    expect(md).not.toMatch(/## Guardrail findings\n\nNone\./);
  });

  test("a suppressed finding travels with the output: shown with its reason, and ⚠️ when new", () => {
    const suppressedDir = synthDir({}, (app) => {
      const ws = app.node.findChild("workload") as any;
      const secret = new KeyVaultSecret(ws, "plain", { name: "plain", keyVaultId: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", value: "x" });
      WorkloadIdentityChecks.suppress(secret, "AZWI003", "a throwaway value for the smoke test");
    });
    const head = model(suppressedDir);
    expect(diffModels(baseModel, head)).toContainEqual(
      expect.objectContaining({ security: true, kind: "new suppression", text: expect.stringContaining("AZWI003 on `workload/plain` in stack workload is suppressed because a throwaway value for the smoke test") }),
    );
    expect(renderReview(head)).toContain("- suppressed: AZWI003 on `workload/plain` (workload) because a throwaway value for the smoke test");
  });
});

describe("malformed input exits 2 with a message naming the file", () => {
  let stderr: string[];
  beforeEach(() => {
    stderr = [];
    jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    jest.spyOn(console, "error").mockImplementation((s: any) => void stderr.push(String(s)));
  });
  afterEach(() => jest.restoreAllMocks());

  const stackFile = (dir: string, stack = "apps") => path.join(dir, "stacks", stack, "cdk.tf.json");
  const cases: Array<[string, () => { dir: string; file: string }, RegExp]> = [
    ["a stack file that is not JSON", () => {
      const dir = writeSynthDir({ apps: {} });
      fs.writeFileSync(stackFile(dir), "{ not json");
      return { dir, file: stackFile(dir) };
    }, /not valid JSON/],
    ["a stack that is a list", () => {
      const dir = writeSynthDir({ apps: [] });
      return { dir, file: stackFile(dir) };
    }, /not a Terraform JSON object/],
    ["a resource type that is not an object", () => {
      const dir = writeSynthDir({ apps: { resource: { azurerm_role_assignment: "x" } } });
      return { dir, file: stackFile(dir) };
    }, /resource\.azurerm_role_assignment is not an object/],
    ["a resource body that is null", () => {
      const dir = writeSynthDir({ apps: { resource: { kubernetes_service_account_v1: { sa: null } } } });
      return { dir, file: stackFile(dir) };
    }, /resource\.kubernetes_service_account_v1\.sa is not an object/],
    ["environment metadata of the wrong type", () => {
      const dir = writeSynthDir({ apps: { "//": { azwi: { environment: 3 } }, resource: {} } });
      return { dir, file: stackFile(dir) };
    }, /"\/\/"\.azwi\.environment is not a string/],
    ["a manifest that lists no stacks", () => {
      const dir = writeSynthDir({});
      return { dir, file: path.join(dir, "manifest.json") };
    }, /lists no stacks/],
    ["a stack path outside the directory", () => {
      const dir = writeSynthDir({ apps: {} });
      fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ stacks: { apps: { synthesizedStackPath: "../../etc/passwd" } } }));
      return { dir, file: path.join(dir, "manifest.json") };
    }, /points outside/],
    ["a YAML manifest that does not parse", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      const file = path.join(dir, "stacks", "apps", "manifests", "sa.yaml");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, "kind: ServiceAccount\nmetadata: [unclosed\n");
      return { dir, file };
    }, /not valid YAML/],
    ["a duplicate key in a stack's JSON (Terraform applies both, JSON.parse keeps one)", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      fs.writeFileSync(stackFile(dir), '{"resource": {"azurerm_role_assignment": {"a": {"scope": "x"}}}, "resource": {}}');
      return { dir, file: stackFile(dir) };
    }, /duplicate key "resource"/],
    ["a duplicate key in manifest.json", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      const manifest = path.join(dir, "manifest.json");
      fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").replace(/^\{/, '{"stacks": {},'));
      return { dir, file: manifest };
    }, /duplicate key "stacks"/],
    ["JSON nested deeper than the review reads", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      fs.writeFileSync(stackFile(dir), `{"locals": {"x": ${"[".repeat(5000)}${"]".repeat(5000)}}}`);
      return { dir, file: stackFile(dir) };
    }, /nested deeper than 200 levels/],
    ["a *.tf file beside cdk.tf.json", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      fs.writeFileSync(path.join(dir, "stacks", "apps", "extra.tf"), 'resource "terraform_data" "x" {}');
      return { dir, file: "extra.tf" };
    }, /Terraform reads and applies every \*\.tf/],
    ["an override file beside cdk.tf.json", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      fs.writeFileSync(path.join(dir, "stacks", "apps", "cdk_override.tf.json"), "{}");
      return { dir, file: "cdk_override.tf.json" };
    }, /beside cdk\.tf\.json/],
    ["an auto.tfvars file beside cdk.tf.json", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      fs.writeFileSync(path.join(dir, "stacks", "apps", "x.auto.tfvars.json"), "{}");
      return { dir, file: "x.auto.tfvars.json" };
    }, /beside cdk\.tf\.json/],
    ["a synthesizedStackPath that is not the cdk.tf.json of its workingDirectory", () => {
      const dir = writeSynthDir({ apps: { resource: {} }, other: { resource: {} } });
      const manifest = path.join(dir, "manifest.json");
      const json = JSON.parse(fs.readFileSync(manifest, "utf8"));
      json.stacks.apps.workingDirectory = "stacks/other";
      fs.writeFileSync(manifest, JSON.stringify(json));
      return { dir, file: manifest };
    }, /is not the cdk\.tf\.json in its workingDirectory/],
    ["a stack file that is a symlink out of the output directory", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "azwi-outside-")), "cdk.tf.json");
      fs.writeFileSync(outside, "{}");
      fs.rmSync(stackFile(dir));
      fs.symlinkSync(outside, stackFile(dir));
      return { dir, file: stackFile(dir) };
    }, /leaves the synth output directory/],
    ["a manifest that is a symlink out of the output directory", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "azwi-outside-")), "sa.yaml");
      fs.writeFileSync(outside, "kind: ServiceAccount\n");
      fs.symlinkSync(outside, path.join(dir, "stacks", "apps", "sa.yaml"));
      return { dir, file: path.join(dir, "stacks", "apps", "sa.yaml") };
    }, /leaves the synth output directory/],
    ["a YAML alias bomb", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      const file = path.join(dir, "stacks", "apps", "bomb.yaml");
      const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 10; i++) levels.push(`${"abcdefghij"[i]}: &${"abcdefghij"[i]} [${Array(9).fill(`*${"abcdefghij"[i - 1]}`).join(", ")}]`);
      fs.writeFileSync(file, `kind: ConfigMap\n${levels.join("\n")}\n`);
      return { dir, file };
    }, /resource exhaustion/],
    ["a manifest that cannot be read (a dangling symlink)", () => {
      const dir = writeSynthDir({ apps: { resource: {} } });
      const file = path.join(dir, "stacks", "apps", "sa.yaml");
      fs.symlinkSync(path.join(dir, "stacks", "apps", "gone.yaml"), file);
      return { dir, file };
    }, /is missing|cannot be read/],
  ];

  test.each(cases)("%s", (_name, make, message) => {
    const { dir, file } = make();
    expect(main([dir])).toBe(2);
    expect(stderr.join("\n")).toContain(file);
    expect(stderr.join("\n")).toMatch(message);
  });

  test("reviews fields of unexpected types (labels as a number, a null spec) without crashing", () => {
    const dir = writeSynthDir({ apps: { resource: { kubernetes_pod_v1: { p: { metadata: { name: "p", labels: 5 }, spec: [null] } } } } });
    expect(main([dir])).toBe(0);
  });

  test("warns about a reference that points nowhere, naming the file", () => {
    const dir = writeSynthDir({
      apps: { resource: { azurerm_role_assignment: { r: { scope: "/subscriptions/0", role_definition_name: "Reader", principal_id: "${azurerm_user_assigned_identity.gone.principal_id}" } } } },
    });
    expect(main([dir])).toBe(0);
    expect(stderr.join("\n")).toContain(`${stackFile(dir)}: a reference to azurerm_user_assigned_identity.gone points nowhere`);
  });

  test("warns about a stack with no resources, in the comment too", () => {
    const dir = writeSynthDir({ apps: {} });
    const out = path.join(dir, "review.md");
    expect(main(["--out", out, dir])).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toContain("### Review warnings");
    expect(stderr.join("\n")).toContain("stack apps has no resources");
  });
});

describe("the example workflow", () => {
  const workflow = YAML.parse(fs.readFileSync(path.join(root, "examples", "github-actions", "workload-identity-review.yml"), "utf8"));
  const steps = (job: string) => workflow.jobs[job].steps as Array<Record<string, any>>;

  test("reviews in a job that checks out only the base branch and installs only the base's tool", () => {
    const review = steps("review");
    const checkouts = review.filter((s) => String(s.uses ?? "").startsWith("actions/checkout"));
    expect(checkouts.map((s) => s.with?.ref)).toEqual(["${{ github.event.pull_request.base.sha }}"]);
    const run = review.map((s) => String(s.run ?? "")).join("\n");
    // The base step names the tool: the base's locked azwi-review (or, before the base locks the
    // library, the version the workflow pins; __tests__/review-workflow.test.ts).
    expect(run).toContain('"$TOOL" --detailed-exitcode');
    expect(run).toContain('echo "tool=$PWD/node_modules/.bin/azwi-review"');
    expect(review.find((s) => String(s.run ?? "").includes("azwi-review"))?.["working-directory"]).toBe("base");
    expect(run).not.toMatch(/head[^\n]*npm (ci|install)|cd [^\n]*head/);
  });

  test("runs the pull request's code only in a job that cannot write", () => {
    expect(workflow.jobs["synth-head"].permissions).toEqual({ contents: "read" });
    expect(workflow.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(workflow.on)).not.toContain("pull_request_target");
    expect(JSON.stringify(workflow)).not.toContain("id-token");
  });

  test("updates one sticky comment found by the review's marker, and stays silent when nothing changed", () => {
    const post = steps("review").find((s) => String(s.name).startsWith("Post"))!;
    expect(post.run).toContain("<!-- azwi-review -->");
    expect(post.run).toContain("--method PATCH");
    expect(post.run).toMatch(/elif \[ "\$CHANGED" = "true" \]/);
  });
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
  void os.tmpdir();
});
