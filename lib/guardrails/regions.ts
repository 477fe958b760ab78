/**
 * Azure regions, kept in one place. Both lists change over time: override them through cdktf
 * context (`azwi:additionalRegions`, `azwi:unsupportedFicRegions`) or, in the app, the
 * `AZURE_ADDITIONAL_REGIONS` / `UNSUPPORTED_FIC_REGIONS` environment variables.
 */

/**
 * Public-cloud regions, by programmatic name. Source: Microsoft Learn, "Azure regions list"
 * (https://learn.microsoft.com/azure/reliability/regions-list, revision of 2025-09-23), plus
 * restricted or unlisted names that ARM accepts (`az account list-locations`).
 */
export const AZURE_REGIONS: readonly string[] = [
  "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
  "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia",
  "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral",
  "francesouth", "germanynorth", "germanywestcentral", "indonesiacentral", "israelcentral",
  "italynorth", "japaneast", "japanwest", "koreacentral", "koreasouth", "malaysiawest",
  "mexicocentral", "newzealandnorth", "northcentralus", "northeurope", "norwayeast", "norwaywest",
  "polandcentral", "qatarcentral", "southafricanorth", "southafricawest", "southcentralus",
  "southindia", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
  "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope",
  "westindia", "westus", "westus2", "westus3",
  // restricted / unlisted but accepted by ARM
  "swedensouth", "malaysiasouth", "jioindiawest", "jioindiacentral", "taiwannorth",
  "taiwannorthwest", "israelnorthwest", "southeastus", "eastus2euap", "centraluseuap",
];

/**
 * Regions where user-assigned managed identities cannot hold federated identity credentials
 * (the create answers HTTP 405 "Support for federated identity credentials not enabled").
 * Source: https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations#unsupported-regions-user-assigned-managed-identities
 * – the latest revision we could read lists Malaysia South and New Zealand North. Earlier revisions
 * listed more (East Asia, Israel Central, Italy North, Mexico Central, Qatar Central, Spain
 * Central, …); the list shrinks as support rolls out, so check the page and override if needed.
 */
export const UNSUPPORTED_FIC_REGIONS: readonly string[] = ["malaysiasouth", "newzealandnorth"];

export const UNSUPPORTED_FIC_REGIONS_URL =
  "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations#unsupported-regions-user-assigned-managed-identities";

/** Normalizes a location as the azurerm provider does: lower case, spaces removed ("East US" → "eastus"). */
export function normalizeRegion(location: string): string {
  return location.toLowerCase().replace(/ /g, "");
}

/** Parses a context or environment value that lists regions (array, or comma-separated string). */
export function regionList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(",");
  return items.map((s) => normalizeRegion(s.trim())).filter((s) => s.length > 0);
}
