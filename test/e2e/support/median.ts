/** The middle value (the upper one of an even count), or null for no values. */
export function median(xs: readonly number[]): number | null {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
}
