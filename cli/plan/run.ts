// `faktory-ha plan <stack>`: evaluate the real program offline, then check and show the result.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { dstWarnings, nextRuns, parseCronToml } from "../../components/cron";
import { validateKubernetesObject } from "../../components/k8s/schema";
import { evaluatePolicies, type Violation } from "../../policies/offline";
import { unwrapSecrets } from "./cloud-mocks";
import { evaluateProgram, type Evaluation, type PlannedResource } from "./evaluate";
import { fileNameFor, kubernetesObjects, summary, tree, withSecretValuesHidden } from "./render";
import { readStackFile } from "./stack-file";
import { outFileHeader, standInsIn } from "./stand-ins";

export interface PlanOptions {
  readonly stack: string;
  /** The directory holding Pulumi.yaml. */
  readonly projectDir: string;
  /** Where `<stack>/` is written; null writes nothing. */
  readonly outDir: string | null;
  /** Upcoming runs shown per cron job. */
  readonly cronCount: number;
  /** "Now" for the cron preview (tests pin it). */
  readonly now: Date;
  /** Loads the program at `main` (absolute); called after the config and mocks are in place. */
  readonly loadProgram: (main: string) => Record<string, unknown>;
}

export interface CronPreview {
  readonly name: string;
  readonly type: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly runs: { readonly utc: string; readonly local: string }[];
}

export interface PlanReport {
  readonly project: string;
  readonly stack: string;
  readonly summary: string;
  readonly counts: Record<string, number>;
  readonly resources: readonly PlannedResource[];
  readonly outputs: Record<string, unknown>;
  readonly schema: { readonly valid: number; readonly invalid: { object: string; errors: string[] }[] };
  readonly policies: {
    readonly mandatory: number;
    readonly advisory: number;
    readonly violations: Violation[];
  };
  readonly cron: { readonly jobs: CronPreview[]; readonly warnings: string[] };
  readonly unknownCalls: readonly string[];
  readonly files: readonly string[];
  /**
   * Values the offline stand-in made up for what the cloud assigns at deploy time (ARNs, endpoints,
   * digests, zone ids); each file under out/<stack>/ lists those it holds in its opening comment.
   */
  readonly placeholders: readonly string[];
}

interface Project {
  readonly name: string;
  /** The program's entry file, absolute: Pulumi.yaml `main`, else index.ts. */
  readonly main: string;
  /** Where the stack files live: Pulumi.yaml `stackConfigDir`, else the project directory. */
  readonly stacksDir: string;
}

function readProject(projectDir: string): Project {
  const file = join(projectDir, "Pulumi.yaml");
  const doc = (parseYaml(readFileSync(file, "utf8")) ?? {}) as {
    name?: string;
    main?: string;
    stackConfigDir?: string;
  };
  if (!doc.name) throw new Error(`${file} has no project name`);
  return {
    name: doc.name,
    main: resolve(projectDir, doc.main ?? "index.ts"),
    stacksDir: join(projectDir, doc.stackConfigDir ?? "."),
  };
}

function countByType(resources: readonly PlannedResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The policy pack has two levels, "dev" (relaxed) and "prod" (strict). Anything but an explicit dev
 * stack (staging included, which should behave like prod) is checked strictly.
 */
function policyEnvironmentOf(evaluation: Evaluation, stack: string): "dev" | "prod" {
  const env = evaluation.outputs.environment;
  return (typeof env === "string" ? env : stack) === "dev" ? "dev" : "prod";
}

function confdFiles(evaluation: Evaluation): Map<string, string> {
  const files = new Map<string, string>();
  for (const { object } of kubernetesObjects(evaluation.resources)) {
    if (object.kind !== "ConfigMap") continue;
    for (const [file, content] of Object.entries(
      (object.data as Record<string, unknown> | undefined) ?? {},
    )) {
      if (file.endsWith(".toml") && typeof content === "string") files.set(file, content);
    }
  }
  return files;
}

function cronPreview(cronToml: string | undefined, count: number, now: Date): PlanReport["cron"] {
  if (cronToml === undefined) return { jobs: [], warnings: [] };
  const parsed = parseCronToml(cronToml);
  const jobs = parsed.jobs.map((job, i) => ({
    name: job.name ?? `#${i + 1}`,
    type: job.job.type,
    schedule: job.schedule,
    timezone: job.timezone ?? "UTC",
    runs: nextRuns(job, { count, now }).map((run) => ({
      utc: run.utc.toISOString().replace(/:00\.000Z$/, "Z"),
      local: `${run.local.weekday} ${run.local.date} ${run.local.time} ${run.local.abbreviation} (${run.local.offset})`,
    })),
  }));
  const warnings = [
    ...parsed.issues.map((i) => i.message),
    ...dstWarnings(parsed.jobs, { now }).map((i) => i.message),
  ];
  return { jobs, warnings };
}

export async function runPlan(options: PlanOptions): Promise<PlanReport> {
  const { name: project, main, stacksDir } = readProject(options.projectDir);
  const stackInput = readStackFile(stacksDir, options.stack, project);
  const evaluation = await evaluateProgram(stackInput, project, () => options.loadProgram(main));

  const objects = kubernetesObjects(evaluation.resources);
  const invalid = objects
    .map(({ resource, object }) => ({
      object: `${object.kind}/${object.metadata.name}`,
      // Validate what the cluster would receive (secrets in place), not the redacted view.
      errors: validateKubernetesObject({
        ...(unwrapSecrets(evaluation.rawInputs.get(resource.urn) ?? {}) as Record<string, unknown>),
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: object.metadata,
      }),
    }))
    .filter((r) => r.errors.length > 0);

  const violations = evaluatePolicies(
    evaluation.resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: evaluation.rawInputs.get(r.urn) ?? r.inputs,
      ...(r.id !== null ? { id: r.id } : {}),
    })),
    { environment: policyEnvironmentOf(evaluation, options.stack) },
  );

  const confd = confdFiles(evaluation);
  const files: string[] = [];
  if (options.outDir !== null) {
    const dir = resolve(options.outDir, options.stack);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, "kubernetes"), { recursive: true });
    for (const { resource, object } of objects) {
      const file = join("kubernetes", fileNameFor(object));
      const raw = unwrapSecrets(evaluation.rawInputs.get(resource.urn) ?? {}) as Record<string, unknown>;
      const keysOf = (v: unknown) => (v !== null && typeof v === "object" ? Object.keys(v) : undefined);
      const shown = withSecretValuesHidden(object, {
        data: keysOf(raw.data),
        stringData: keysOf(raw.stringData),
      });
      const header = outFileHeader(options.stack, standInsIn(shown, evaluation.standIns));
      writeFileSync(join(dir, file), header + toYaml(shown, { sortMapEntries: false }));
      files.push(file);
    }
    if (confd.size > 0) mkdirSync(join(dir, "conf.d"), { recursive: true });
    for (const [name, content] of confd) {
      writeFileSync(
        join(dir, "conf.d", name),
        outFileHeader(options.stack, standInsIn(content, evaluation.standIns, name)) + content,
      );
      files.push(join("conf.d", name));
    }
  }

  const report: PlanReport = {
    project,
    stack: options.stack,
    summary: summary(evaluation.resources),
    counts: countByType(evaluation.resources),
    resources: evaluation.resources,
    outputs: evaluation.outputs,
    schema: { valid: objects.length - invalid.length, invalid },
    policies: {
      mandatory: violations.filter((v) => v.enforcement === "mandatory").length,
      advisory: violations.filter((v) => v.enforcement === "advisory").length,
      violations,
    },
    cron: cronPreview(confd.get("cron.toml"), options.cronCount, options.now),
    unknownCalls: evaluation.unknownCalls,
    files: options.outDir !== null ? [...files, `../${options.stack}.plan.json`] : [],
    placeholders: evaluation.standIns,
  };
  if (options.outDir !== null) {
    // Beside the stack's folder, not in it: `kubectl apply -R -f <out>/<stack>/` reads every .json file.
    writeFileSync(planJsonPath(options.outDir, options.stack), `${JSON.stringify(report, null, 2)}\n`);
  }
  return report;
}

/** Where the plan's JSON report is written: `<out>/<stack>.plan.json`, beside the applyable `<out>/<stack>/`. */
export function planJsonPath(outDir: string, stack: string): string {
  return resolve(outDir, `${stack}.plan.json`);
}

/** The human view of a report. */
export function formatReport(report: PlanReport, outDir: string | null): string {
  const lines: string[] = [];
  lines.push(
    `faktory-ha plan: stack "${report.stack}" of project "${report.project}", evaluated offline (nothing created)`,
  );
  lines.push("");
  lines.push(tree(report.resources));
  lines.push("");
  lines.push(report.summary);
  lines.push("");
  lines.push("Stack outputs");
  for (const [k, v] of Object.entries(report.outputs))
    lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  lines.push("");
  const { schema, policies, cron } = report;
  lines.push(
    schema.invalid.length === 0
      ? `Kubernetes schema: all ${schema.valid} objects valid`
      : `Kubernetes schema: ${schema.invalid.length} invalid object(s)`,
  );
  for (const bad of schema.invalid) for (const e of bad.errors) lines.push(`  ${bad.object}: ${e}`);
  lines.push(`Policies: ${policies.mandatory} mandatory, ${policies.advisory} advisory violation(s)`);
  for (const v of policies.violations)
    lines.push(`  [${v.enforcement}] ${v.policy} ${v.resource}: ${v.message}`);
  if (cron.jobs.length > 0) {
    lines.push("");
    lines.push("Cron (Faktory evaluates schedules in UTC; times shown in UTC and the job's stated zone)");
    for (const job of cron.jobs) {
      lines.push(`  ${job.name}  ${job.type}  "${job.schedule}"  (${job.timezone})`);
      for (const run of job.runs) lines.push(`    ${run.utc}   ${run.local}`);
    }
    for (const w of cron.warnings) lines.push(`  warning: ${w}`);
  }
  if (report.unknownCalls.length > 0) {
    lines.push(
      `Note: the offline stand-in had no answer for: ${[...new Set(report.unknownCalls)].join(", ")}`,
    );
  }
  if (outDir !== null) {
    lines.push("");
    lines.push(
      `Wrote ${join(outDir, report.stack)}/: ${report.files.length - 1} files (Kubernetes YAML, conf.d), and ${join(outDir, `${report.stack}.plan.json`)}`,
    );
  }
  return lines.join("\n");
}
