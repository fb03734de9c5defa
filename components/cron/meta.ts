/**
 * Name, description and intended zone are for humans: Faktory has no such keys, and an unknown key
 * in a job table could be rejected or, worse, sent along. They travel as `# @key value` comments
 * above each `[[cron]]`, which Faktory ignores and `parseCronToml` reads back.
 */

export type MetaKey = "name" | "timezone" | "description";
const META_KEYS: readonly MetaKey[] = ["name", "timezone", "description"];

// Written bare when it reads back unchanged: no control characters, no surrounding spaces, no
// leading quote (a leading quote marks a JSON-encoded value).
const BARE = /^[^\s"\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;

function encode(value: string): string {
  return BARE.test(value) ? value : JSON.stringify(value);
}

/** Comment lines for one job's metadata, in a fixed order. */
export function metaComments(meta: Partial<Record<MetaKey, string>>): string[] {
  const lines: string[] = [];
  for (const key of META_KEYS) {
    const value = meta[key];
    if (value === undefined) continue;
    const split = value.split("\n");
    const values =
      key === "description" && split.length > 1 && split.every((l) => BARE.test(l)) ? split : [value];
    for (const v of values) lines.push(`# @${key} ${encode(v)}`);
  }
  return lines;
}

// dotAll: a value may hold U+2028/U+2029, which "." would not match.
const META_LINE = /^\s*#\s?@(name|timezone|description) (.*)$/s;
const CRON_HEADER = /^\s*\[\[\s*cron\s*\]\]\s*(#.*)?$/;

/**
 * The metadata above each `[[cron]]` header, in order; `undefined` when the headers found by this
 * line scan cannot be matched one-to-one with the parsed entries (e.g. a header inside a string).
 */
export function readMeta(toml: string, entries: number): Partial<Record<MetaKey, string>>[] | undefined {
  const found: Partial<Record<MetaKey, string>>[] = [];
  let pending: [MetaKey, string][] = [];
  for (const line of toml.split(/\r?\n/)) {
    const meta = META_LINE.exec(line);
    if (meta) {
      const raw = meta[2];
      let value = raw;
      if (raw.startsWith('"')) {
        try {
          value = String(JSON.parse(raw));
        } catch {
          value = raw;
        }
      }
      pending.push([meta[1] as MetaKey, value]);
    } else if (CRON_HEADER.test(line)) {
      const record: Partial<Record<MetaKey, string>> = {};
      for (const [key, value] of pending)
        record[key] = record[key] === undefined ? value : `${record[key]}\n${value}`;
      found.push(record);
      pending = [];
    } else if (line.trim() !== "" && !line.trim().startsWith("#")) {
      pending = [];
    }
  }
  return found.length === entries ? found : undefined;
}
