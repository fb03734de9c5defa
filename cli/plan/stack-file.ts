// Reads `stacks/Pulumi.<stack>.yaml` into the flat config map Pulumi hands a program, without
// decrypting anything: a `secure:` value becomes a marked placeholder and its key is listed as secret.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";

export interface StackConfigInput {
  readonly stack: string;
  readonly file: string;
  /** `namespace:key` → the value as Pulumi stores it (strings; objects and arrays as JSON). */
  readonly config: Record<string, string>;
  /** Keys that were encrypted (`secure:`) anywhere inside their value. */
  readonly secretKeys: string[];
}

/** The text that stands in for a secret value that was not decrypted. */
export function secretPlaceholder(key: string): string {
  return `[secret ${key}: not decrypted by the offline plan]`;
}

export function listStacks(stacksDir: string): string[] {
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

function isSecure(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    "secure" in value
  );
}

/** Replaces every `{ secure: … }` inside a value with the placeholder; reports whether any was found. */
function replaceSecure(key: string, value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: secretPlaceholder(key), secret: true };
  if (Array.isArray(value)) {
    const items = value.map((v) => replaceSecure(key, v));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, replaceSecure(key, v)] as const);
    return {
      value: Object.fromEntries(entries.map(([k, r]) => [k, r.value])),
      secret: entries.some(([, r]) => r.secret),
    };
  }
  return { value, secret: false };
}

export function readStackFile(stacksDir: string, stack: string, project: string): StackConfigInput {
  const file = join(stacksDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    const known = listStacks(stacksDir);
    throw new Error(
      `no stack "${stack}": ${file} does not exist; stacks here: ${known.length > 0 ? known.join(", ") : "none"}`,
    );
  }
  const parsed = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true });
  const [syntax] = parsed.errors;
  if (syntax) {
    const at = syntax.linePos?.[0];
    const where = at ? `${file}:${at.line}:${at.col}` : file;
    throw new Error(
      `${where}: invalid YAML: ${syntax.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
    );
  }
  const doc = parsed.toJS() as unknown;
  const configMap = (doc as { config?: unknown } | null)?.config;
  if (configMap === null || typeof configMap !== "object" || Array.isArray(configMap)) {
    throw new Error(
      `${file} has no "config:" mapping: a stack file starts with "config:" followed by keys such as "${project}:environment: dev"`,
    );
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, rawValue] of Object.entries(configMap)) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    const { value, secret } = replaceSecure(key, rawValue);
    if (secret) secretKeys.push(key);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { stack, file, config, secretKeys };
}
