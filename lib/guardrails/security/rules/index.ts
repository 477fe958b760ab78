/** Every security rule, in id order: the catalogue is derived from this list. */
import azwi001 from "./azwi001-privileged-role";
import azwi002 from "./azwi002-vault-purge-protection";
import azwi003 from "./azwi003-secret-value-in-state";
import azwi004 from "./azwi004-credential-without-pod";
import azwi005 from "./azwi005-pod-without-label";
import azwi006 from "./azwi006-pod-in-kube-system";
import azwi007 from "./azwi007-virtual-nodes";
import azwi008 from "./azwi008-key-vault-role-above-vault";
import azwi009 from "./azwi009-credentials-output";
import azwi010 from "./azwi010-local-accounts";
import azwi011 from "./azwi011-issuer-of-cluster-without-oidc";
import azwi012 from "./azwi012-credential-audience";
import azwi013 from "./azwi013-credential-limit";
import azwi014 from "./azwi014-privileged-container";
import azwi015 from "./azwi015-hand-written-template";
import azwi016 from "./azwi016-binding-pod-not-allowed";
import azwi017 from "./azwi017-binding-annotation-missing";
import type { SecurityRuleDefinition } from "../rule";

export const ALL_RULES: readonly SecurityRuleDefinition[] = [
  azwi001, azwi002, azwi003, azwi004, azwi005, azwi006, azwi007, azwi008, azwi009, azwi010, azwi011, azwi012, azwi013, azwi014, azwi015, azwi016, azwi017,
];
