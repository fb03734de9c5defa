// Marks, in every file the plan writes, the values its stand-in for the cloud made up (ARNs, endpoints,
// image digests, auto-name suffixes, an existing VPC's CIDR): they look real, and a reader of out/ must
// be able to tell them from values that came from the stack's config.
import { AUTO_NAME_SUFFIX } from "./cloud-mocks";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const step = (path: string, key: string) =>
  IDENTIFIER.test(key) ? (path === "" ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;

/** `path = value` for every string inside `value` that holds a stand-in, in document order. */
export function standInsIn(value: unknown, standIns: readonly string[], path = ""): string[] {
  if (typeof value === "string") {
    const madeUp = value.includes(`-${AUTO_NAME_SUFFIX}`) || standIns.some((s) => value.includes(s));
    return madeUp ? [`${path} = ${value}`] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => standInsIn(v, standIns, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => standInsIn(v, standIns, step(path, k)));
  }
  return [];
}

/** The comment block that opens each file under out/<stack>/ (YAML and TOML both read `#` lines). */
export function outFileHeader(stack: string, found: readonly string[]): string {
  const lines = [
    `# Written by \`faktory-ha plan ${stack}\` offline: nothing here was read from AWS or a cluster.`,
  ];
  if (found.length === 0) {
    lines.push("# No value in this file is a placeholder for one the cloud assigns at deploy time.");
  } else {
    lines.push(
      "# PLACEHOLDERS: the offline stand-in made these up for values the cloud assigns or reports at deploy",
      "# time (account 123456789012 is AWS's documentation example; the region is the stack's aws:region):",
      ...found.map((f) => `#   ${f}`),
    );
  }
  return `${lines.join("\n")}\n`;
}
