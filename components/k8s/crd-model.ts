// The shape `validateKubernetesObject` checks a custom resource with, for the CRDs the component can
// create (the Kubernetes schema does not cover them): required fields and enums the builders could get
// wrong, reported as the Kubernetes models report theirs.

export type Obj = Record<string, unknown>;
export interface SchemaError {
  readonly instancePath: string;
  readonly message: string;
}

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export function metadataErrors(o: Obj): SchemaError[] {
  const metadata = o.metadata;
  if (!isObj(metadata) || typeof metadata.name !== "string" || metadata.name === "") {
    return [{ instancePath: "/metadata/name", message: "is required" }];
  }
  return [];
}

/** Validators in the shape `validateKubernetesObject` uses: `validate()` throws `{ errors }`. */
export function model(check: (o: Obj) => SchemaError[]) {
  return (o: Obj) => ({
    validate(): void {
      const errors = check(o);
      if (errors.length > 0) throw Object.assign(new Error("invalid"), { errors });
    },
  });
}
