/**
 * A minimal typed binding of the Azure/azapi Terraform provider: the provider and `azapi_resource`,
 * for the Azure resources azurerm has no resource for (AKS identity bindings). No prebuilt azapi
 * package exists for cdktf, and provider generation is off in this project, so these two classes
 * are written by hand against the provider's schema at the pinned version (the bundled
 * schemas/providers/azapi-2.5.0.json.gz, read from lonegunmanb/terraform-azapi-schema v2.5.0).
 */
import { Construct } from "constructs";
import { TerraformMetaArguments, TerraformProvider, TerraformResource, TerraformStack, Token } from "cdktf";

/** The azapi provider version this library pins (exactly, as the prebuilt providers are pinned). */
export const AZAPI_PROVIDER_VERSION = "2.5.0";

/** Settings of the azapi provider. Unset ones come from the environment (`ARM_*`) or `az login`, as for azurerm. */
export interface AzapiProviderConfig {
  /** Alias, for a second configuration of the provider. @default - none */
  readonly alias?: string;
  /** Subscription to use. @default - `ARM_SUBSCRIPTION_ID`, else the Azure CLI's */
  readonly subscriptionId?: string;
  /** Tenant to authenticate in. @default - `ARM_TENANT_ID`, else the Azure CLI's */
  readonly tenantId?: string;
  /** Client id of a service principal or managed identity to authenticate as. @default - `ARM_CLIENT_ID` */
  readonly clientId?: string;
  /** Authenticate with an OIDC token (CI federation). @default - `ARM_USE_OIDC`, else false */
  readonly useOidc?: boolean;
  /** Authenticate with the Azure CLI. @default - `ARM_USE_CLI`, else true */
  readonly useCli?: boolean;
  /** Authenticate with the machine's managed identity. @default - `ARM_USE_MSI`, else false */
  readonly useMsi?: boolean;
}

/**
 * The `azapi` provider (source `Azure/azapi`, pinned to version `2.5.0`).
 *
 * A stack that holds an {@link IdentityBinding} needs one; the binding adds one with default
 * settings when the stack has none.
 */
export class AzapiProvider extends TerraformProvider {
  /** The default (unaliased) azapi provider of `stack`, if it has one. */
  public static defaultOf(stack: TerraformStack): AzapiProvider | undefined {
    return stack.node.children.find(
      (c): c is AzapiProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === "azapi" && (c as TerraformProvider).alias === undefined,
    );
  }

  /** The provider settings this object was created with; written to the provider block at synth. */
  public readonly config: AzapiProviderConfig;

  /**
   * @param scope - the stack (or a construct in it)
   * @param id - construct id
   * @param config - provider settings
   */
  constructor(scope: Construct, id: string, config: AzapiProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: "azapi",
      terraformGeneratorMetadata: { providerName: "azapi", providerVersion: AZAPI_PROVIDER_VERSION },
      terraformProviderSource: "Azure/azapi",
    });
    this.config = config;
    this.alias = config.alias;
  }

  /** The provider block's arguments in Terraform JSON (snake_case); cdktf calls it at synth. */
  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      alias: this.alias,
      subscription_id: c.subscriptionId,
      tenant_id: c.tenantId,
      client_id: c.clientId,
      use_oidc: c.useOidc,
      use_cli: c.useCli,
      use_msi: c.useMsi,
    };
  }

  /**
   * Refuses HCL output: the class writes Terraform JSON only.
   *
   * @throws Error always; synthesize Terraform JSON (cdktf's default)
   */
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    throw new Error("AzapiProvider: HCL output is not supported; synthesize Terraform JSON (cdktf's default)");
  }
}

/** Arguments of an `azapi_resource` (azapi 2.5.0), the ones this library writes. */
export interface AzapiResourceConfig extends TerraformMetaArguments {
  /** `<resource type>@<api version>`, e.g. `Microsoft.ContainerService/managedClusters/identityBindings@2026-05-01`. */
  readonly type: string;
  /** The resource's name. */
  readonly name: string;
  /** Id of the parent resource (for a child resource, the parent's id). */
  readonly parentId: string;
  /** The request body, as an object (azapi 2.x takes an HCL object, not a JSON string). */
  readonly body: Record<string, unknown>;
  /** Region, for tracked resources. @default - none */
  readonly location?: string;
  /**
   * Validate `body` against azapi's embedded copy of the Azure API specs at plan. Off for API
   * versions newer than the provider's copy.
   * @default - the provider's default (true)
   */
  readonly schemaValidationEnabled?: boolean;
  /** Compare strings of the response without case when reading back. @default - the provider's default (false) */
  readonly ignoreCasing?: boolean;
  /** Values of the response to export into `output`: a map of output name to a path in the response. @default - none */
  readonly responseExportValues?: Record<string, string>;
  /** Paths in `body` whose change replaces the resource (instead of an update in place). @default - none */
  readonly replaceTriggersRefs?: string[];
  /** Values outside the resource whose change replaces it. @default - none */
  readonly replaceTriggersExternalValues?: unknown;
}

/** An `azapi_resource`: any Azure Resource Manager resource, created with a PUT of `body`. */
export class AzapiResource extends TerraformResource {
  /** The Terraform resource type. */
  public static readonly tfResourceType = "azapi_resource";

  /** The arguments this resource was created with; written to the resource at synth. */
  public readonly config: AzapiResourceConfig;

  /**
   * @param scope - the construct scope
   * @param id - construct id
   * @param config - the resource's arguments
   */
  constructor(scope: Construct, id: string, config: AzapiResourceConfig) {
    super(scope, id, {
      terraformResourceType: "azapi_resource",
      terraformGeneratorMetadata: { providerName: "azapi", providerVersion: AZAPI_PROVIDER_VERSION },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach,
    });
    this.config = config;
  }

  /** The resource id Azure gives it. */
  public get id(): string {
    return this.getStringAttribute("id");
  }

  /**
   * A value exported with `responseExportValues` (a map): `output.<name>`, known after apply.
   *
   * @param name - a key of `responseExportValues`
   * @returns a token for the value
   */
  public outputValue(name: string): string {
    if (!this.config.responseExportValues || !(name in this.config.responseExportValues)) {
      throw new Error(`AzapiResource ${this.node.path}: ${JSON.stringify(name)} is not a key of responseExportValues`);
    }
    return Token.asString(this.interpolationForAttribute(`output.${name}`));
  }

  /** The resource's arguments in Terraform JSON (snake_case); cdktf calls it at synth. */
  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      type: c.type,
      name: c.name,
      parent_id: c.parentId,
      body: c.body,
      location: c.location,
      schema_validation_enabled: c.schemaValidationEnabled,
      ignore_casing: c.ignoreCasing,
      response_export_values: c.responseExportValues,
      replace_triggers_refs: c.replaceTriggersRefs,
      replace_triggers_external_values: c.replaceTriggersExternalValues,
    };
  }

  /**
   * Refuses HCL output: the class writes Terraform JSON only.
   *
   * @throws Error always; synthesize Terraform JSON (cdktf's default)
   */
  protected override synthesizeHclAttributes(): Record<string, unknown> {
    throw new Error("AzapiResource: HCL output is not supported; synthesize Terraform JSON (cdktf's default)");
  }
}
