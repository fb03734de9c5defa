// The shape of a stack config problem and the error that carries them.
export const NAMESPACE = "faktory-ha";

export interface ConfigProblem {
  /** Full key, e.g. `faktory-ha:redis.nodes`. */
  readonly key: string;
  /** What was received, rendered for humans; secrets are never rendered. */
  readonly received: string;
  /** What is allowed or how to fix it. */
  readonly allowed: string;
}

export class StackConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.key}: got ${p.received}; ${p.allowed}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

/** Values longer than this (a TOML text, a large map) are cut short in a message. */
const SHOWN_LENGTH = 100;

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length <= SHOWN_LENGTH ? json : `${json.slice(0, SHOWN_LENGTH - 1)}…`;
}
