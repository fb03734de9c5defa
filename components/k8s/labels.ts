// Labels. The selector is the part that must never be shared: the seed ran two workloads whose
// selectors matched each other's pods, so each Service and PDB counted both. Here every selector
// includes the component's instance name and a component role, and nothing else (a selector is
// immutable, so it must not carry anything that changes, like a version).

export interface LabelInput {
  /** The component's instance name (unique per Faktory in a namespace). */
  readonly instance: string;
  /** The workload's role; one workload per role per instance. */
  readonly component?: string;
}

/** Selector labels for the one Faktory workload of `instance`. */
export function selectorLabels(input: LabelInput): Record<string, string> {
  return {
    "app.kubernetes.io/name": "faktory",
    "app.kubernetes.io/instance": input.instance,
    "app.kubernetes.io/component": input.component ?? "server",
  };
}

/** Labels for every object and pod: the selector labels plus descriptive ones. */
export function commonLabels(
  input: LabelInput,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...extra,
    ...selectorLabels(input),
    "app.kubernetes.io/part-of": "faktory-ha",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}
