// Reads a cron definitions file — a cron.toml, a JSON array, or a JavaScript/TypeScript module whose
// default (or `cronJobs`) export is the array — for the `cron` commands and the stack program alike.
import { existsSync, readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { isRecord, type CronIssue } from "./issues";
import { parseCronToml } from "./parse";

/** The file could not be read or run: exit 2, as opposed to definitions found invalid (exit 1). */
export class CronLoadError extends Error {
  override name = "CronLoadError";
}

export interface LoadedDefinitions {
  readonly kind: "toml" | "json" | "module";
  /** Definitions as found; validate before use. */
  readonly definitions: unknown;
  /** Problems found while reading (TOML/JSON syntax, non-cron keys). */
  readonly issues: readonly CronIssue[];
}

export const MODULE_EXTENSIONS = [".ts", ".cts", ".mts", ".js", ".cjs", ".mjs"];

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new CronLoadError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function fromModule(path: string): unknown {
  let mod: unknown;
  try {
    // tsx compiles TypeScript on the fly; loaded only here so other commands never pay for it.
    const { require: tsxRequire } = require("tsx/cjs/api") as typeof import("tsx/cjs/api");
    // tsx turns Node's source maps on for the whole process, and Pulumi then maps the stack trace it
    // captures for every resource through them: about 0.4 s of the prod plan. Put the setting back.
    const sourceMaps = process.sourceMapsEnabled;
    try {
      mod = tsxRequire(path, __filename);
    } finally {
      process.setSourceMapsEnabled(sourceMaps);
    }
  } catch (err) {
    // Node appends the chain of requiring files, which says nothing about the user's file.
    const message = (err instanceof Error ? err.message : String(err)).replace(
      /\nRequire stack:[\s\S]*$/,
      "",
    );
    throw new CronLoadError(`cannot load ${path}: ${message}`);
  }
  if (Array.isArray(mod)) return mod;
  const exports = (typeof mod === "object" && mod !== null ? mod : {}) as Record<string, unknown>;
  const found = exports.default ?? exports.cronJobs;
  if (found === undefined) {
    throw new CronLoadError(
      `${path} exports no cron jobs: export default (or export const cronJobs) an array of CronJob`,
    );
  }
  return found;
}

export function loadCronDefinitions(file: string): LoadedDefinitions {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  if (ext !== ".toml" && ext !== ".json" && !MODULE_EXTENSIONS.includes(ext)) {
    throw new CronLoadError(
      `cannot tell how to read ${file}: expected .toml, .json or a module (${MODULE_EXTENSIONS.join(", ")})`,
    );
  }
  if (!existsSync(path)) throw new CronLoadError(`cannot read ${file}: no such file`);
  if (ext === ".toml") {
    const parsed = parseCronToml(read(path));
    // Only reading problems here: validation runs again on the definitions, once.
    const reading = parsed.issues.filter((i) => i.index === -1);
    return { kind: "toml", definitions: parsed.definitions, issues: reading };
  }
  if (ext === ".json") {
    const text = read(path);
    try {
      const data: unknown = JSON.parse(text);
      const definitions = isRecord(data) && Array.isArray(data.cronJobs) ? data.cronJobs : data;
      return { kind: "json", definitions, issues: [] };
    } catch (err) {
      const message = `${file} is not valid JSON: ${(err as Error).message}`;
      const issue: CronIssue = {
        severity: "error",
        index: -1,
        job: file,
        field: "(json)",
        value: undefined,
        message,
      };
      return { kind: "json", definitions: [], issues: [issue] };
    }
  }
  return { kind: "module", definitions: fromModule(path), issues: [] };
}
