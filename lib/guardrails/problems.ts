/**
 * Problems: how a construct reports what is wrong with its props. Each construct checks its own
 * props with the pure rules of ./rules and reports them here; nothing in this folder imports a
 * construct.
 */
import { Construct, IConstruct } from "constructs";
import { addLibraryValidation, isUnresolved } from "../core/internal";
import * as R from "./rules";
import { regionList } from "./regions";

import type { RegionSettings, Rule } from "./rules";
export type { Rule };

/**
 * Collects the problems of one construct's props and reports them all at synth time through
 * `node.addValidation`, each naming the field, the value and the rule. cdktf prefixes each with
 * the construct path and lists every problem of the stack in one error.
 */
export class Problems {
  private readonly messages: string[] = [];

  /**
   * Checks `value` against `rules` (first failure wins). `label` names the field as the user
   * wrote it. Undefined values and values unknown until apply (tokens) are skipped.
   */
  public check<T>(label: string, value: T | undefined, ...rules: readonly Rule<T>[]): this {
    if (value === undefined || isUnresolved(value)) return this;
    const why = R.firstProblem(value, rules);
    if (why !== undefined) this.messages.push(`${label} ${JSON.stringify(value)} ${why}`);
    return this;
  }

  /** Checks every key and value of a label map. */
  public checkLabels(label: string, labels: Record<string, string> | undefined): this {
    for (const [k, v] of Object.entries(labels ?? {})) {
      this.check(`${label} key`, k, ...R.labelKey);
      this.check(`${label} ${JSON.stringify(k)} value`, v, ...R.labelValue);
    }
    return this;
  }

  /** Checks Azure tags: names, values and their number. */
  public checkTags(label: string, tags: Record<string, string> | undefined): this {
    const entries = Object.entries(tags ?? {});
    if (entries.length > R.MAX_TAGS) this.messages.push(`${label} has ${entries.length} tags; Azure allows at most ${R.MAX_TAGS} per resource`);
    for (const [k, v] of entries) {
      this.check(`${label} name`, k, ...R.tagName);
      this.check(`${label} ${JSON.stringify(k)} value`, v, ...R.tagValue);
    }
    return this;
  }

  /** Records a problem that is not about a single value. */
  public add(message: string): this {
    this.messages.push(message);
    return this;
  }

  /** Registers the collected problems on `scope`; the synth fails listing all of them. */
  public report(scope: Construct): void {
    // Stryker disable next-line ConditionalExpression: a validation with no messages reports nothing; the early return only saves registering it
    if (this.messages.length === 0) return;
    const messages = [...this.messages];
    addLibraryValidation(scope, () => messages);
  }
}

/** Region lists from context (`azwi:additionalRegions`, `azwi:unsupportedFicRegions`). */
export function regionSettings(scope: IConstruct): RegionSettings {
  return {
    additionalRegions: regionList(scope.node.tryGetContext("azwi:additionalRegions")),
    unsupportedFicRegions: regionList(scope.node.tryGetContext("azwi:unsupportedFicRegions")),
  };
}
