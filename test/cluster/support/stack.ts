// The real Pulumi engine (CLI built by scripts/cluster/build.sh) with the real Kubernetes provider, driving an
// inline program that creates the `Faktory` component against the local cluster. No downloads: a PULUMI_HOME
// of our own with the locally built provider installed as a plugin, a file:// backend, automatic plugin
// acquisition off.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Faktory } from "../../../components/k8s";
import type { EnterpriseFaktoryArgs } from "../../../components/k8s/types";
import {
  CLUSTER_DIR,
  KUBECONFIG,
  POD_CIDR,
  POD_REDIS_URL,
  PULUMI_VERSION,
  REPO_ROOT,
  TOOLS_DIR,
} from "./env";

const PULUMI_ROOT = join(TOOLS_DIR, `pulumi-${PULUMI_VERSION}`);
export const PROVIDER_VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/@pulumi/kubernetes/package.json"), "utf8")) as {
    version: string;
  }
).version;
const PROVIDER_BIN = join(TOOLS_DIR, `pulumi-kubernetes-v${PROVIDER_VERSION}`, "pulumi-resource-kubernetes");
const STATE_DIR = join(CLUSTER_DIR, "pulumi");
export const PULUMI_HOME = join(STATE_DIR, "home");
const BACKEND = join(STATE_DIR, "backend");

export const ENGINE_ENV: Record<string, string> = {
  PULUMI_HOME,
  PULUMI_BACKEND_URL: `file://${BACKEND}`,
  PULUMI_CONFIG_PASSPHRASE: "cluster-tests",
  PULUMI_SKIP_UPDATE_CHECK: "true",
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
};

export function requireEngine(): void {
  const missing = [join(PULUMI_ROOT, "bin", "pulumi"), PROVIDER_BIN].filter((p) => !existsSync(p));
  if (missing.length)
    throw new Error(`the Pulumi engine is not built: missing ${missing.join(", ")} (npm run cluster:build)`);
}

let pluginInstalled = false;
function installProviderPlugin(): void {
  if (pluginInstalled) return;
  mkdirSync(PULUMI_HOME, { recursive: true });
  mkdirSync(BACKEND, { recursive: true });
  const dir = join(PULUMI_HOME, "plugins", `resource-kubernetes-v${PROVIDER_VERSION}`);
  if (!existsSync(join(dir, "pulumi-resource-kubernetes"))) {
    execFileSync(
      join(PULUMI_ROOT, "bin", "pulumi"),
      ["plugin", "install", "resource", "kubernetes", PROVIDER_VERSION, "--file", PROVIDER_BIN],
      { env: { ...process.env, ...ENGINE_ENV }, stdio: "pipe" },
    );
  }
  pluginInstalled = true;
}

/** What a test stack deploys: the enterprise component's args, less what the local cluster fixes. */
export type TestFaktoryArgs = Omit<EnterpriseFaktoryArgs, "vpcCidrs" | "redisUrl" | "license"> & {
  readonly redisUrl?: string;
};

/** The args the local cluster fixes: the node's Redis, the pod network, no load-balancer controller. */
export const LOCAL_CLUSTER_ARGS = {
  redisUrl: POD_REDIS_URL,
  // OSS Faktory ignores it; the component requires one with enterprise.
  license: "cluster-test-license",
  vpcCidrs: [POD_CIDR],
  loadBalancer: false,
};

/** The inline program: a provider for the local cluster and one `Faktory` named `name`. */
export function faktoryProgram(name: string, args: TestFaktoryArgs): () => Promise<Record<string, unknown>> {
  return async () => {
    const provider = new k8s.Provider("local", {
      kubeconfig: readFileSync(KUBECONFIG, "utf8"),
      enableConfigMapMutable: true,
    });
    const faktory = new Faktory(name, { ...LOCAL_CLUSTER_ARGS, ...args }, { provider });
    return {
      namespace: faktory.namespace,
      serviceName: faktory.serviceName,
      password: faktory.password,
      loadBalancerUrl: faktory.loadBalancerUrl,
    };
  };
}

export interface EngineRun {
  readonly stack: Stack;
  readonly log: string[];
}

/** The CLI, with the Kubernetes provider installed in its PULUMI_HOME; fails when either is not built. */
export async function engineCommand(): Promise<PulumiCommand> {
  requireEngine();
  installProviderPlugin();
  // The CLI is newer than the SDK's minimum; skip the check that would compare it with the SDK's own version.
  return PulumiCommand.get({ root: PULUMI_ROOT, skipVersionCheck: true });
}

/** A work directory of its own for each stack (the engine's project directory). */
export function stackWorkDir(stackName: string): string {
  const workDir = join(STATE_DIR, "work", stackName);
  mkdirSync(workDir, { recursive: true });
  return workDir;
}

/** A stack of project `faktory-ha-cluster-test` in the local backend, running `program`. */
export async function testStack(
  stackName: string,
  program: () => Promise<Record<string, unknown>>,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<EngineRun> {
  const pulumiCommand = await engineCommand();
  const workDir = stackWorkDir(stackName);
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "faktory-ha-cluster-test", stackName, program },
    {
      workDir,
      pulumiHome: PULUMI_HOME,
      pulumiCommand,
      envVars: { ...ENGINE_ENV, ...extraEnv },
      projectSettings: {
        name: "faktory-ha-cluster-test",
        runtime: "nodejs",
        backend: { url: `file://${BACKEND}` },
      },
    },
  );
  return { stack, log: [] };
}

/** Collects the engine's output lines (shown on failure). */
export function collect(log: string[]): (out: string) => void {
  return (out) => {
    for (const line of out.split("\n")) if (line.trim()) log.push(line);
  };
}

export { pulumi };
