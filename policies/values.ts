// Reading resource properties safely. Policies run on two kinds of input: CrossGuard's props (a proxy
// that throws UnknownValueError when a value is not known during preview) and the inputs the Pulumi
// mock runtime recorded (secrets wrapped in a signature object, unknowns as sentinel strings). Every
// policy reads through `get` so both look the same: plain values, with unknowns as `UNKNOWN`.
// Nothing here imports @pulumi/policy at run time, so the offline evaluator (bundled into the CLI)
// does not need it.

/** A value that cannot be known before the update (a preview of a resource not yet created). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

// Sentinels used by the engine and the SDKs for values not known during preview.
const unknownSentinels = new Set<unknown>([
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also the mock runtime's only unknown)
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

// Pulumi's secret wrapper: `{ [specialSigKey]: specialSecretSig, value }`.
const secretSigKey = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";

export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN || unknownSentinels.has(value);
}

function unwrapSecret(value: unknown): unknown {
  let current = value;
  while (current !== null && typeof current === "object" && isSecretWrapper(current)) {
    current = (current as Record<string, unknown>).value;
  }
  return current;
}

function isSecretWrapper(value: object): boolean {
  try {
    return (value as Record<string, unknown>)[secretSigKey] === secretSig;
  } catch {
    return false;
  }
}

// @pulumi/policy's UnknownValueError, recognized by the sentinel it carries.
function isUnknownValueError(e: unknown): boolean {
  return (
    e instanceof Error && unknownSentinels.has((e as { unknownTypeSentinel?: unknown }).unknownTypeSentinel)
  );
}

/** Normalizes one value: unwraps secrets, maps every kind of unknown to `UNKNOWN`. */
export function plain(value: unknown): unknown {
  const unwrapped = unwrapSecret(value);
  return isUnknown(unwrapped) ? UNKNOWN : unwrapped;
}

/** Reads `path` from `root`; `undefined` when a step is missing, `UNKNOWN` when a step is unknown. */
export function get(root: unknown, ...path: (string | number)[]): unknown {
  let current = plain(root);
  for (const key of path) {
    if (current === UNKNOWN) return UNKNOWN;
    if (current === null || typeof current !== "object") return undefined;
    try {
      current = plain((current as Record<string | number, unknown>)[key]);
    } catch (e) {
      if (isUnknownValueError(e)) return UNKNOWN;
      throw e;
    }
  }
  return current;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  const v = plain(value);
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** The elements of an array (each normalized); an empty list for anything that is not a known array. */
export function items(value: unknown): unknown[] {
  const v = plain(value);
  if (!Array.isArray(v)) return [];
  const out: unknown[] = [];
  for (let i = 0; i < v.length; i++) out.push(get(v, i));
  return out;
}

/** The keys of an object together with their normalized values. */
export function entries(value: unknown): [string, unknown][] {
  const record = asRecord(value);
  if (record === undefined) return [];
  return Object.keys(record).map((key) => [key, get(record, key)]);
}

export function asString(value: unknown): string | undefined {
  const v = plain(value);
  return typeof v === "string" ? v : undefined;
}

/** How a found value appears in a violation message. Never call it with a secret's value. */
export function describe(value: unknown): string {
  if (value === undefined) return "not set";
  if (value === UNKNOWN) return "unknown";
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}
