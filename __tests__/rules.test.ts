import fc from "fast-check";
import * as R from "../lib/guardrails/rules";
import { UNSUPPORTED_FIC_REGIONS_URL } from "../lib/guardrails/regions";

const ok = (rules: readonly R.Rule[], v: string) => R.firstProblem(v, rules) === undefined;

describe("name rules (property-based, against the documented rules)", () => {
  // Small alphabets, so that the characters the rules care about (hyphens, dots, case, digits at
  // the edges) turn up often enough for the properties to bite.
  const alnum = ["a", "Z", "5"];
  const lower = ["a", "z", "5"];
  const str = (chars: string[], min: number, max: number) =>
    fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(""));

  test("Key Vault names: 3–24 letters/digits/hyphens, letter first, alphanumeric last, no '--'", () => {
    const reference = (v: string) =>
      v.length >= 3 && v.length <= 24 && /^[A-Za-z]/.test(v) && /[A-Za-z0-9]$/.test(v) && /^[A-Za-z0-9-]+$/.test(v) && !v.includes("--");
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 30), (v) => ok(R.keyVaultName, v) === reference(v)), { numRuns: 2000 });
  });

  test("federated credential names: 3–120, alphanumeric first, then letters, digits, '-' and '_'", () => {
    const reference = (v: string) => v.length >= 3 && v.length <= 120 && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", ".", " "], 0, 130), (v) => ok(R.federatedCredentialName, v) === reference(v)), { numRuns: 2000 });
  });

  test("managed identity names: 3–128, alphanumeric first, then letters, digits, '-' and '_'", () => {
    const reference = (v: string) => v.length >= 3 && v.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 140), (v) => ok(R.identityName, v) === reference(v)), { numRuns: 2000 });
  });

  test("Key Vault secret names: 1–127 letters, digits and hyphens", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 127 && /^[A-Za-z0-9-]+$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 135), (v) => ok(R.keyVaultSecretName, v) === reference(v)), { numRuns: 2000 });
  });

  test("AKS cluster names: 1–63, alphanumeric at both ends, '-' and '_' inside", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 70), (v) => ok(R.aksClusterName, v) === reference(v)), { numRuns: 2000 });
  });

  test("resource group names: 1–90 of letters, digits, '_-.()', not ending in '.'", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 90 && /^[A-Za-z0-9_.()-]+$/.test(v) && !v.endsWith(".");
    fc.assert(fc.property(str([...alnum, "-", "_", ".", "(", ")", " ", "/"], 0, 95), (v) => ok(R.resourceGroupName, v) === reference(v)), { numRuns: 2000 });
  });

  test("namespaces: DNS-1123 labels", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 63 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) && v !== "kube-system";
    fc.assert(fc.property(str([...lower, "-", ".", "A"], 0, 70), (v) => ok(R.workloadNamespace, v) === reference(v)), { numRuns: 2000 });
  });

  test("service account names: DNS-1123 subdomains", () => {
    const reference = (v: string) =>
      v.length >= 1 && v.length <= 253 && v.split(".").every((part) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(part));
    fc.assert(fc.property(str([...lower, "-", ".", "_"], 0, 40), (v) => ok(R.dns1123Subdomain, v) === reference(v)), { numRuns: 2000 });
  });
});

describe("name rules (examples and messages)", () => {
  test.each([
    ["keyVaultName", "ab", /must be 3–24 characters long \(is 2\)/],
    ["keyVaultName", "1vault", /starting with a letter/],
    ["keyVaultName", "my--vault", /consecutive hyphens/],
    ["keyVaultName", "vault-", /ending with a letter or digit/],
    ["keyVaultSecretName", "my_secret", /letters, digits and '-' only/],
    ["federatedCredentialName", "-fic", /starting with a letter or digit/],
    ["federatedCredentialName", "ab", /3–120/],
    ["identityName", "my identity", /managed identity name/],
    ["aksClusterName", "aks-", /AKS cluster name/],
    ["aksDnsPrefix", "aks_1", /AKS DNS prefix/],
    ["nodePoolName", "System", /AKS node pool name/],
    ["resourceGroupName", "rg.", /must not end with '.'/],
    ["tenantId", "contoso.onmicrosoft.com", /a GUID/],
    ["issuerUrl", "http://issuer.example.com/", /https:\/\/ URL/],
    ["issuerUrl", " https://issuer.example.com/", /whitespace/],
    ["issuerUrl", "https://*.example.com/", /wildcards/],
    ["kubernetesSubject", "system:serviceaccount:default", /system:serviceaccount:<namespace>:<service account>/],
    ["kubernetesSubject", "system:serviceaccount:Default:sa", /valid namespace/],
    ["workloadNamespace", "kube-system", /ignored by the workload identity webhook/],
    ["labelKey", "azure.workload.identity/use/x", /at most one '\/'/],
    ["labelValue", "-x", /label value/],
  ] as const)("%s rejects %j", (rule, value, message) => {
    expect(R.firstProblem(value, (R as any)[rule])).toMatch(message);
  });

  test("token expiration must be 3600–86400 seconds", () => {
    expect(R.firstProblem(3599, R.tokenExpirationSeconds)).toBe("must be an integer from 3600 to 86400");
    expect(R.firstProblem(86400, R.tokenExpirationSeconds)).toBeUndefined();
  });

  test("issuer URLs longer than 600 characters are rejected", () => {
    expect(R.firstProblem(`https://issuer.example.com/${"a".repeat(600)}`, R.issuerUrl)).toMatch(/1–600 characters/);
  });

  test("accepts the AKS issuer format", () => {
    expect(R.firstProblem("https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/", R.issuerUrl)).toBeUndefined();
  });
});

describe("region rules", () => {
  test("accept known regions, normalized like azurerm", () => {
    expect(R.firstProblem("East US", [R.knownRegion()])).toBeUndefined();
  });

  test("reject unknown regions with a hint", () => {
    expect(R.firstProblem("mars-north", [R.knownRegion()])).toMatch(/must be an Azure region .*azwi:additionalRegions/);
  });

  test("accept additional regions from settings", () => {
    expect(R.firstProblem("marsnorth", [R.knownRegion({ additionalRegions: ["marsnorth"] })])).toBeUndefined();
  });

  test("reject regions without federated credentials on user-assigned identities, with the link", () => {
    expect(R.firstProblem("Malaysia South", [R.federationRegion()])).toMatch(/cannot hold federated identity credentials \(https:\/\/learn\.microsoft\.com\//);
  });

  test("let the unsupported list be replaced", () => {
    expect(R.firstProblem("malaysiasouth", [R.federationRegion({ unsupportedFicRegions: [] })])).toBeUndefined();
    expect(R.firstProblem("eastasia", [R.federationRegion({ unsupportedFicRegions: ["eastasia"] })])).toMatch(/cannot hold/);
  });
});

const problem = <T>(rules: readonly R.Rule<T>[], v: T) => R.firstProblem(v, rules);

describe("rule building blocks", () => {
  test("an empty or blank value is empty", () => {
    expect(R.nonEmpty("   ")).toBe("must not be empty");
    expect(R.nonEmpty(" a ")).toBeUndefined();
  });

  test("a length range includes both ends and reports the length it found", () => {
    const rule = R.lengthBetween(2, 4);
    expect(rule("a")).toBe("must be 2–4 characters long (is 1)");
    expect(rule("ab")).toBeUndefined();
    expect(rule("abcd")).toBeUndefined();
    expect(rule("abcde")).toBe("must be 2–4 characters long (is 5)");
  });

  test("an integer range includes both ends and refuses fractions", () => {
    for (const ok of [3600, 86400]) expect(problem(R.tokenExpirationSeconds, ok)).toBeUndefined();
    for (const bad of [3599, 86401, 3600.5]) expect(problem(R.tokenExpirationSeconds, bad)).toBe("must be an integer from 3600 to 86400");
  });

  test("firstProblem reports the first rule that fails, in order", () => {
    expect(R.firstProblem("", [R.nonEmpty, R.lengthBetween(1, 2)])).toBe("must not be empty");
    expect(R.firstProblem("abc", [R.nonEmpty, R.lengthBetween(1, 2)])).toBe("must be 1–2 characters long (is 3)");
  });

  test.each([
    ["kitten", "sitting", 3],
    ["ab", "", 2],
    ["", "abc", 3],
    ["abc", "abc", 0],
    ["abc", "abd", 1],
    ["abc", "ab", 1],
    ["system:serviceacount", "system:serviceaccount", 1],
  ])("the edit distance from %j to %j is %d", (a, b, d) => {
    expect(R.editDistance(a, b)).toBe(d);
  });
});

describe("issuer URLs", () => {
  const unreachable = (reason: string) =>
    "must be reachable from the internet: Entra fetches the issuer's OpenID configuration and keys to check every token, and " +
    `${reason}; publish the issuer's discovery document at a public https URL`;
  const TRAILING_SLASH =
    "must end with '/': AKS issuers do, tokens carry the slash in their iss claim, and Entra matches it exactly (AADSTS700211); better, pass the cluster instead of a string";
  const UNPARSED =
    "must have a host that parses: a DNS name, an IPv4 address or a bracketed IPv6 address, with a numeric port (a name whose last label is a number is read as an IPv4 address)";
  const T = "00000000-0000-0000-0000-000000000000";
  const G = "11111111-1111-1111-1111-111111111111";

  test.each([
    `https://eastus.oic.prod-aks.azure.com/${T}/${G}/`,
    `https://oidc.prod-aks.azure.com/${G}/`,
    "https://token.actions.githubusercontent.com",
    "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF",
    "https://issuer.example.com:8443/tenant/",
  ])("accepts the public issuer %s", (issuer) => {
    expect(problem(R.issuerUrl, issuer)).toBeUndefined();
  });

  test.each([
    ["https://localhost/", "localhost"],
    ["https://LOCALHOST:8443/", "localhost"],
    ["https://user@localhost/", "localhost"],
    ["https://local%68ost/", "localhost"],
    ["https://kubernetes.default.svc/", "kubernetes.default.svc"],
    ["https://kubernetes.default.svc./", "kubernetes.default.svc"],
    ["https://oidc.cluster.local/issuer", "oidc.cluster.local"],
    ["https://issuer.home.arpa/", "issuer.home.arpa"],
    ["https://oidc.contoso.corp/", "oidc.contoso.corp"],
  ])("refuses %s, a name that resolves only privately", (issuer, host) => {
    expect(problem(R.issuerUrl, issuer)).toBe(unreachable(`${host} resolves only on a private network or inside a cluster`));
  });

  test("refuses a single-label host name", () => {
    expect(problem(R.issuerUrl, "https://issuer/")).toBe(unreachable("issuer is a single-label host name, which does not resolve on the internet"));
  });

  test.each([
    ["10.0.0.4", "10.0.0.4"],
    ["10.255.255.255", "10.255.255.255"],
    ["127.0.0.1", "127.0.0.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["172.16.0.1", "172.16.0.1"],
    ["172.31.255.255", "172.31.255.255"],
    ["192.168.10.20", "192.168.10.20"],
    ["169.254.169.254", "169.254.169.254"],
    ["100.64.0.1", "100.64.0.1"],
    ["100.127.255.255", "100.127.255.255"],
    ["127.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["10.0.0.4:8443", "10.0.0.4"],
  ])("refuses the private, loopback or link-local IPv4 host %s, read as %s", (authority, address) => {
    expect(problem(R.issuerUrl, `https://${authority}/`)).toBe(unreachable(`${address} is a private, loopback or link-local address`));
  });

  test.each(["172.15.255.255", "172.32.0.1", "192.169.0.1", "193.168.0.1", "169.253.0.1", "168.254.0.1", "100.63.255.255", "100.128.0.1", "11.0.0.1", "9.255.255.255", "1.0.0.1", "203.0.113.7", "8.8.8.8", "8.20.0.1", "8.168.0.1", "8.254.0.1", "8.100.0.1"])(
    "accepts the public IPv4 host %s",
    (address) => {
      expect(problem(R.issuerUrl, `https://${address}/`)).toBeUndefined();
    },
  );

  test.each(["10.example.com", "10.0.0.1.example.com", "192.168.example.com"])("accepts %s, a DNS name whose first labels are numbers", (host) => {
    expect(problem(R.issuerUrl, `https://${host}/`)).toBeUndefined();
  });

  test.each([
    ["[::1]", "[::1]"],
    ["[::1]:8443", "[::1]"],
    ["[0:0:0:0:0:0:0:1]", "[::1]"],
    ["[::]", "[::]"],
    ["[fc00::1]", "[fc00::1]"],
    ["[fd12:3456::1]", "[fd12:3456::1]"],
    ["[FE80::1]", "[fe80::1]"],
    ["[febf::1]", "[febf::1]"],
    ["[::ffff:10.0.0.1]", "[::ffff:a00:1]"],
    ["[ff02::1]", "[ff02::1]"],
    ["[1fff::1]", "[1fff::1]"],
    ["[4000::1]", "[4000::1]"],
  ])("refuses the IPv6 host %s, outside the global unicast range", (authority, host) => {
    expect(problem(R.issuerUrl, `https://${authority}/`)).toBe(
      unreachable(`${host} is a loopback, private or link-local IPv6 address, or another outside the global unicast range 2000::/3`),
    );
  });

  test.each(["[2000::1]", "[2001:db8::1]", "[2606:4700::1111]", "[3fff::1]", "[2606:4700::1111]:8443"])("accepts the global unicast IPv6 host %s", (authority) => {
    expect(problem(R.issuerUrl, `https://${authority}/`)).toBeUndefined();
  });

  test.each(["https://x.10.0.0.1/", "https://300.1.1.1/", "https://issuer.example.com:https/", "https://[::1]x/", "https://issuer.example.1/"])(
    "refuses %s, whose host does not parse",
    (issuer) => {
      expect(problem(R.issuerUrl, issuer)).toBe(UNPARSED);
    },
  );

  test.each([
    `https://eastus.oic.prod-aks.azure.com/${T}/${G}`,
    "https://eastus.oic.prod-aks.azure.com",
    `https://EastUS.OIC.prod-aks.azure.com/${T}/${G}`,
    `https://oic.prod-aks.azure.com/${G}`,
    `https://oidc.prod-aks.azure.com/${G}`,
  ])("refuses the AKS issuer %s without its trailing slash", (issuer) => {
    expect(problem(R.issuerUrl, issuer)).toBe(TRAILING_SLASH);
  });

  test.each([
    `https://eastus.oic.prod-aks.azure.com.example.org/${G}`,
    `https://oidc.prod-aks.azure.com.example.org/${G}`,
    `https://myoidc.prod-aks.azure.com/${G}`,
  ])("does not hold %s, which is not an AKS host, to the AKS trailing slash", (issuer) => {
    expect(problem(R.issuerUrl, issuer)).toBeUndefined();
  });

  test.each(["https://issuer.example.com//", "https://issuer.example.com/a//b", "https://issuer.example.com//a/b/"])("refuses the doubled slash in %s", (issuer) => {
    expect(problem(R.issuerUrl, issuer)).toBe(
      "must not contain '//' in its path: it looks assembled from parts with a doubled slash, and Entra compares the token's iss claim byte for byte",
    );
  });

  test("checks emptiness, whitespace, length, wildcards and form, in that order", () => {
    expect(problem(R.issuerUrl, "")).toBe("must not be empty");
    expect(problem(R.issuerUrl, "https://issuer.example.com/ ")).toBe("must not start or end with whitespace");
    expect(problem(R.issuerUrl, `https://issuer.example.com/${"a".repeat(574)}`)).toBe("must be 1–600 characters long (is 601)");
    expect(problem(R.issuerUrl, `https://issuer.example.com/${"a".repeat(573)}`)).toBeUndefined();
    expect(problem(R.issuerUrl, "https://*.example.com/")).toBe("must not contain wildcards: Entra matches issuer and subject exactly");
    expect(problem(R.issuerUrl, "https://issuer.example.com/?tenant=1")).toBe("must be an https:// URL with no spaces, query or fragment (federated credential issuer)");
  });
});

describe("subjects", () => {
  const misspelled = (head: string) =>
    `looks like a Kubernetes service account subject but starts with ${JSON.stringify(head)}; Kubernetes tokens carry exactly system:serviceaccount:<namespace>:<service account>`;

  test.each([
    ["system:serviceacount:default:app", "system:serviceacount"],
    ["System:ServiceAccount:default:app", "System:ServiceAccount"],
    ["system:serviceaccounts:default", "system:serviceaccounts"],
    ["system:serviceacco:default:app", "system:serviceacco"],
  ])("refuses %s, a misspelled Kubernetes service account subject", (subject, head) => {
    expect(problem(R.subject, subject)).toBe(misspelled(head));
  });

  test.each([
    "system:serviceaccount:default:app",
    "system:serviceacc:default:app",
    "system:serviceacount",
    "repo:contoso/app:ref:refs/heads/main",
    "c2f0e1a4-0000-0000-0000-000000000000",
  ])("accepts %s, which does not look like a misspelled Kubernetes subject", (subject) => {
    expect(problem(R.subject, subject)).toBeUndefined();
  });

  test("subjects are at most 600 characters", () => {
    expect(problem(R.subject, "a".repeat(600))).toBeUndefined();
    expect(problem(R.subject, "a".repeat(601))).toBe("must be 1–600 characters long (is 601)");
  });

  test.each(["foo:system:serviceaccount:default:app", "system:serviceaccount:default:app:extra", "system:serviceaccount:default"])(
    "a Kubernetes subject has exactly the four parts: %s is refused",
    (subject) => {
      expect(problem(R.kubernetesSubject, subject)).toBe("must have the form system:serviceaccount:<namespace>:<service account>");
    },
  );

  test("a Kubernetes subject names a namespace of at most 63 characters", () => {
    expect(problem(R.kubernetesSubject, `system:serviceaccount:${"n".repeat(63)}:app`)).toBeUndefined();
    const long = "n".repeat(64);
    expect(problem(R.kubernetesSubject, `system:serviceaccount:${long}:app`)).toBe(`must name a valid namespace ("${long}" is not a DNS-1123 label)`);
  });

  test("a Kubernetes subject names a service account that is a DNS-1123 subdomain of at most 253 characters", () => {
    expect(problem(R.kubernetesSubject, `system:serviceaccount:default:${"s".repeat(253)}`)).toBeUndefined();
    expect(problem(R.kubernetesSubject, "system:serviceaccount:default:app.v2")).toBeUndefined();
    const long = "s".repeat(254);
    expect(problem(R.kubernetesSubject, `system:serviceaccount:default:${long}`)).toBe(`must name a valid service account ("${long}" is not a DNS-1123 subdomain)`);
    expect(problem(R.kubernetesSubject, "system:serviceaccount:default:My_SA")).toBe('must name a valid service account ("My_SA" is not a DNS-1123 subdomain)');
  });
});

describe("manifests directories", () => {
  const RELATIVE = "must be a relative path with '/' separators (inside the stack's synth output)";
  const DOTS = "must not contain '.' or '..' segments: synth replaces its files there, so the directory must stay inside the stack's synth output";
  const NAMES = "'/'-separated names of letters, digits, '.', '_' and '-', none empty or starting with '.' (manifests directory)";

  test.each(["manifests", "clusters/prod/app", "a.b/c_d-e", "x".repeat(200)])("accepts %s", (dir) => {
    expect(problem(R.manifestsDirectory, dir)).toBeUndefined();
  });

  test("is 1–200 characters long", () => {
    expect(problem(R.manifestsDirectory, "")).toBe("must be 1–200 characters long (is 0)");
    expect(problem(R.manifestsDirectory, "x".repeat(201))).toBe("must be 1–200 characters long (is 201)");
  });

  test.each(["/srv/gitops", "C:/gitops", "c:gitops", "gitops\\prod"])("refuses %j, which is not a relative '/' path", (dir) => {
    expect(problem(R.manifestsDirectory, dir)).toBe(RELATIVE);
  });

  test.each([".", "..", "../gitops", "gitops/..", "gitops/../other", "gitops/./prod"])("refuses %j, which has a '.' or '..' segment", (dir) => {
    expect(problem(R.manifestsDirectory, dir)).toBe(DOTS);
  });

  test.each(["gitops//prod", "gitops/", ".hidden", "gitops/.git", "gitops/c:d", "git ops"])("refuses %j, which is not a list of plain names", (dir) => {
    expect(problem(R.manifestsDirectory, dir)).toBe(`must be ${NAMES}`);
  });
});

describe("UTC timestamps", () => {
  const refused = (hint: string) =>
    `must be an RFC 3339 time in UTC with whole seconds, such as "2027-01-01T00:00:00Z"${hint}: azurerm reads it back in that form, so any other spelling changes on every plan`;

  test.each(["2027-01-01T00:00:00Z", "2028-02-29T23:59:59Z", "1999-12-31T12:34:56Z"])("accepts %s", (t) => {
    expect(problem(R.utcTimestamp, t)).toBeUndefined();
  });

  test.each([
    ["2027-01-01T00:00:00.000Z", " (2027-01-01T00:00:00Z is the same instant)"],
    ["2027-01-01T02:00:00+02:00", " (2027-01-01T00:00:00Z is the same instant)"],
    ["2027-01-01", " (2027-01-01T00:00:00Z is the same instant)"],
    ["2027-01-01T00:00:00.500Z", " (2027-01-01T00:00:00Z is the same instant, less the fraction)"],
    ["2027-02-30T00:00:00Z", " (2027-03-02T00:00:00Z is the same instant)"],
    ["+010000-01-01T00:00:00Z", " (+010000-01-01T00:00:00Z is the same instant)"],
  ])("refuses %s, another spelling of an instant, naming the canonical one", (t, hint) => {
    expect(problem(R.utcTimestamp, t)).toBe(refused(hint));
  });

  test.each(["2027-13-01T00:00:00Z", "next year", ""])("refuses %j, which is no instant, without a hint", (t) => {
    expect(problem(R.utcTimestamp, t)).toBe(refused(""));
  });
});

describe("image references", () => {
  const FORM =
    "must be an image reference ([registry[:port]/]repository[:tag][@digest], the repository in lowercase letters, digits, '.', '_' and '-'), e.g. ghcr.io/org/app:1.2.3";

  test.each(["nginx", "ghcr.io/org/app:1.2.3", `localhost:5000/team/app@sha256:${"a".repeat(64)}`, "[::1]:5000/app:v1"])("accepts %s", (image) => {
    expect(problem(R.imageReference, image)).toBeUndefined();
  });

  test.each(["ghcr.io/Org/app", "app:", "app:${TAG}", "app name"])("refuses %j", (image) => {
    expect(problem(R.imageReference, image)).toBe(FORM);
  });

  test("refuses an empty reference", () => {
    expect(problem(R.imageReference, "")).toBe("must not be empty");
  });

  test("the name (registry and repository) is at most 255 characters, the tag not counted", () => {
    expect(problem(R.imageReference, `${"a".repeat(255)}:1.0`)).toBeUndefined();
    expect(problem(R.imageReference, `${"a".repeat(256)}:1.0`)).toBe("must have a name (registry and repository) of at most 255 characters (is 256)");
    expect(problem(R.imageReference, `registry.example.com/${"a".repeat(235)}`)).toBe("must have a name (registry and repository) of at most 255 characters (is 256)");
  });
});

describe("label and annotation keys and values", () => {
  const PREFIX = (kind: string) => `must have a DNS-1123 subdomain prefix before '/' (${kind})`;
  const NAME = (kind: string) => `must have a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (${kind})`;

  test.each(["app", "App", "a_b", "example.com/My_Key", `${"p".repeat(253)}/x`, "x".repeat(63)])("label key %j is accepted", (key) => {
    expect(problem(R.labelKey, key)).toBeUndefined();
  });

  test("a label key has at most one '/'", () => {
    expect(problem(R.labelKey, "a/b/c")).toBe("must have at most one '/' (label key)");
  });

  test.each([`${"p".repeat(254)}/x`, "Example.com/x", "_x/y", "/x"])("label key %j has a bad prefix", (key) => {
    expect(problem(R.labelKey, key)).toBe(PREFIX("label key"));
  });

  test.each(["example.com/", "example.com/-x", "x".repeat(64), ""])("label key %j has a bad name", (key) => {
    expect(problem(R.labelKey, key)).toBe(NAME("label key"));
  });

  test("annotation keys are compared in lower case, and their messages say annotation key", () => {
    expect(problem(R.annotationKey, "Example.COM/My-Key")).toBeUndefined();
    expect(problem(R.labelKey, "Example.COM/My-Key")).toBe(PREFIX("label key"));
    expect(problem(R.annotationKey, "a/b/c")).toBe("must have at most one '/' (annotation key)");
    expect(problem(R.annotationKey, "bad_prefix/x")).toBe(PREFIX("annotation key"));
    expect(problem(R.annotationKey, "example.com/-x")).toBe(NAME("annotation key"));
  });

  test("label values are empty or names of at most 63 characters", () => {
    for (const ok of ["", "app", "v1.2_3-x", "x".repeat(63)]) expect(problem(R.labelValue, ok)).toBeUndefined();
    for (const bad of ["-x", "x".repeat(64), "a b"]) {
      expect(problem(R.labelValue, bad)).toBe("must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (label value)");
    }
  });
});

describe("quantities and ids", () => {
  test.each(["250m", "0.5", "128Mi", "1G", "1e3", "+1", ".5", "5.", "5.Mi", "1E-2", "2Ei", "1E"])("quantity %s is accepted", (q) => {
    expect(problem(R.quantity, q)).toBeUndefined();
  });

  test.each(["-1", "1Gb", "1.2.3", "", "Mi", "1 Mi"])("quantity %j is refused", (q) => {
    expect(problem(R.quantity, q)).toBe('must be a Kubernetes quantity such as "250m", "0.5", "128Mi" or "1G"');
  });

  test.each([
    ["250m", 0.25],
    ["128Mi", 128 * 2 ** 20],
    ["1G", 1e9],
    ["2k", 2000],
    ["+2k", 2000],
    ["1.5", 1.5],
    [".5", 0.5],
    ["5.", 5],
    ["5.Mi", 5 * 2 ** 20],
    ["1e3", 1000],
    ["1.5e3", 1500],
    ["1E-2", 0.01],
    ["1E", 1e18],
    ["2Ei", 2 * 2 ** 60],
  ])("quantity %s is worth %d", (q, value) => {
    expect(R.quantityValue(q)).toBeCloseTo(value, 12);
  });

  test("security context ids are integers from 0 to 2147483647", () => {
    for (const ok of ["0", "1000", "2147483647"]) expect(problem(R.securityContextId, ok)).toBeUndefined();
    for (const bad of ["2147483648", "-1", "1.5", "1e3", "", "a1", "1a"]) {
      expect(problem(R.securityContextId, bad)).toBe("must be an integer from 0 to 2147483647 (user id)");
    }
  });
});

describe("regions", () => {
  const UNKNOWN = (howToAdd: string) =>
    "must be an Azure region such as eastus or westeurope (`az account list-locations -o table`); " + `if the region is new, add it with ${howToAdd}`;

  test("an unknown region names the way to add one", () => {
    expect(problem([R.knownRegion()], "marsnorth")).toBe(UNKNOWN("the azwi:additionalRegions context key"));
    expect(problem([R.knownRegion({}, "the AZURE_ADDITIONAL_REGIONS setting")], "marsnorth")).toBe(UNKNOWN("the AZURE_ADDITIONAL_REGIONS setting"));
  });

  test("a region without federated credentials names the documentation and the way out", () => {
    expect(problem([R.federationRegion()], "malaysiasouth")).toBe(
      `is a region where user-assigned managed identities cannot hold federated identity credentials (${UNSUPPORTED_FIC_REGIONS_URL}); ` +
        "create the identity in a supported region – it can still be used from this one",
    );
    expect(problem([R.federationRegion()], "westeurope")).toBeUndefined();
  });

  test.each(["eastus", "East US 2", "westeurope", "ab"])("region name %j is accepted", (name) => {
    expect(problem(R.regionName, name)).toBeUndefined();
  });

  test.each(["1eastus", "east-us", "e", "", "eastus!"])("region name %j is refused", (name) => {
    expect(problem(R.regionName, name)).toBe("must be a region name: letters and digits, such as eastus or westeurope (`az account list-locations -o table`)");
  });
});

describe("Key Vault network rule addresses", () => {
  test.each(["203.0.113.7", "203.0.113.0/24", "255.255.255.255", "0.0.0.0/0", "10.20.30.40/32", "1.22.3.44"])("accepts %s", (address) => {
    expect(problem(R.ipv4OrCidr, address)).toBeUndefined();
  });

  test.each(["256.0.0.1", "1.256.0.1", "1.0.256.1", "1.0.0.256", "10.0.0.0/33", "x1.2.3.4", "1.2.3.4x", "1.2.3.4/24x", "1.2.3", "1.2.3.4/", "2001:db8::/32"])(
    "refuses %j",
    (address) => {
      expect(problem(R.ipv4OrCidr, address)).toBe('must be an IPv4 address or CIDR range such as "203.0.113.7" or "203.0.113.0/24" (Key Vault takes IPv4 only)');
    },
  );
});

describe("other value rules", () => {
  test("the default service account cannot be the workload's", () => {
    expect(problem(R.workloadServiceAccountName, "default")).toBe(
      "already exists in every namespace (creating it fails with AlreadyExists) and is used by every pod that names no service account; use a dedicated service account",
    );
    expect(problem(R.workloadServiceAccountName, "app")).toBeUndefined();
  });

  test("Azure tag names have none of < > % & \\ ? / and are at most 512 characters; values at most 256", () => {
    expect(problem(R.tagName, "cost-center")).toBeUndefined();
    for (const bad of ["a<b", "a>b", "50%", "a&b", "a\\b", "a?", "a/b"]) expect(problem(R.tagName, bad)).toBe("must not contain < > % & \\ ? or / (Azure tag name)");
    expect(problem(R.tagName, "t".repeat(513))).toBe("must be 1–512 characters long (is 513)");
    expect(problem(R.tagValue, "v".repeat(256))).toBeUndefined();
    expect(problem(R.tagValue, "v".repeat(257))).toBe("must be at most 256 characters (Azure tag value; is 257)");
  });

  test("durations: one number and one unit for time_sleep, any Go duration for the add-on", () => {
    for (const ok of ["30s", "1.5m", "500ms", "2h"]) expect(problem(R.duration, ok)).toBeUndefined();
    expect(problem(R.duration, "1m30s")).toBe('must be one number and one unit, such as "30s", "90s" or "2m" (ms, s, m or h; not "1m30s")');
    for (const ok of ["2m", "1m30s", "1.5h", "300ms"]) expect(problem(R.goDuration, ok)).toBeUndefined();
    expect(problem(R.goDuration, "2 minutes")).toBe('must be a Go duration such as "2m", "90s" or "1m30s"');
  });

  test("environment variable names are printable ASCII without spaces or '='", () => {
    expect(problem(R.envVarName, "AZURE_CLIENT_ID")).toBeUndefined();
    expect(problem(R.envVarName, "A=B")).toBe("must be printable ASCII without spaces or '=' (environment variable name)");
    expect(problem(R.envVarName, "")).toBe("must be 1–1024 characters long (is 0)");
  });

  test("VM sizes, Kubernetes versions, zones, GUIDs and subnet ids", () => {
    expect(problem(R.vmSize, "Standard_DS13-4_v2")).toBeUndefined();
    expect(problem(R.vmSize, "Basic_A0_v2")).toBe("must be a VM size such as Standard_D2s_v3: 'Standard_' then letters, digits, '_' and '-'");
    expect(problem(R.kubernetesVersion, "1.31.2")).toBeUndefined();
    expect(problem(R.kubernetesVersion, "v1.31")).toBe('must be a Kubernetes version such as "1.31" or "1.31.2"');
    expect(problem(R.availabilityZone, "3")).toBeUndefined();
    expect(problem(R.availabilityZone, "4")).toBe('must be an availability zone: "1", "2" or "3"');
    expect(problem(R.guid("client id"), "0000")).toBe("must be a GUID (client id)");
    expect(problem(R.subscriptionId, "0000")).toBe("must be a GUID (subscription id), e.g. 00000000-0000-0000-0000-000000000000");
    expect(problem(R.subnetId, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aks")).toBeUndefined();
    expect(problem(R.subnetId, "aks-subnet")).toBe(
      "must be a subnet resource id: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
    );
  });
});
