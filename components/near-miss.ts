// "Did you mean …?" for a misspelt key or value: the known name within a few edits of what was typed.
import { closest, distance } from "fastest-levenshtein";

/**
 * The known name closest to `typed` when it reads as a typo of it: at most 2 edits, or a third of
 * the typed length for longer names (`secondary` → `secondaries` is 3 edits).
 */
export function nearMiss(typed: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const near = closest(typed, [...known]);
  return distance(typed, near) <= Math.max(2, Math.floor(typed.length / 3)) ? near : undefined;
}

/** "; did you mean "…"?" for a near miss, else the known names (never an empty list). */
export function unknownKeyHint(key: string, known: readonly string[], what = "keys"): string {
  const near = nearMiss(key, known);
  if (near !== undefined) return `; did you mean ${JSON.stringify(near)}?`;
  return known.length > 0 ? `; known ${what} are ${known.join(", ")}` : "";
}
