import { identityBindingRule } from "./binding-rule";

export default identityBindingRule(0);
