// A Pulumi YAML program through the real engine: the YAML language host built by scripts/cluster/build-yaml.sh
// (on the engine's PATH), the faktory-ha provider plugin from this checkout
// (provider/pulumi-resource-faktory-ha, named in the program's `plugins.providers`), the Kubernetes provider the
// other cluster tests use. No downloads: the same PULUMI_HOME, file:// backend and environment as stack.ts.
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { KUBECONFIG, REPO_ROOT, TOOLS_DIR } from "./env";
import {
  ENGINE_ENV,
  LOCAL_CLUSTER_ARGS,
  PROVIDER_VERSION,
  PULUMI_HOME,
  engineCommand,
  stackWorkDir,
  type EngineRun,
} from "./stack";

/** scripts/cluster/lib.sh's PULUMI_YAML_VERSION. */
const YAML_VERSION = "v1.25.0";
const YAML_HOST = join(TOOLS_DIR, `pulumi-yaml-${YAML_VERSION}`, "pulumi-language-yaml");
const PLUGIN_DIR = join(REPO_ROOT, "provider");

/** The engine's environment with the YAML language host on PATH (the CLI takes it from there: `pulumi plugin
 * install` refuses it as a plugin bundled with Pulumi). */
function yamlEnv(): Record<string, string> {
  if (!existsSync(YAML_HOST)) {
    throw new Error(
      `the YAML language host is not built: missing ${YAML_HOST} (scripts/cluster/build-yaml.sh)`,
    );
  }
  return { ...ENGINE_ENV, PATH: `${dirname(YAML_HOST)}:${process.env.PATH ?? ""}` };
}

/**
 * A YAML project: a Kubernetes provider for the local cluster (`local`), a `faktory-ha:k8s:Faktory` named `name`
 * with `properties` (YAML expressions such as `${routerHoldMs}` read the stack config `config` declares) on that
 * provider, and its outputs.
 */
export function faktoryYamlProject(
  name: string,
  properties: Readonly<Record<string, unknown>>,
  config: Readonly<Record<string, { type: string }>> = {},
): Record<string, unknown> {
  return {
    name: "faktory-ha-yaml-test",
    runtime: "yaml",
    plugins: { providers: [{ name: "faktory-ha", path: PLUGIN_DIR }] },
    config,
    resources: {
      local: {
        type: "pulumi:providers:kubernetes",
        properties: { kubeconfig: { "fn::readFile": KUBECONFIG }, enableConfigMapMutable: true },
        options: { version: PROVIDER_VERSION },
      },
      faktory: {
        type: "faktory-ha:k8s:Faktory",
        // The resource's name (the component's namespace and objects' names), not the program's key.
        name,
        properties: { ...LOCAL_CLUSTER_ARGS, ...properties },
        options: { providers: ["${local}"] },
      },
    },
    outputs: Object.fromEntries(
      ["namespace", "serviceName", "inClusterUrl", "password", "loadBalancerUrl"].map((k) => [
        k,
        `\${faktory.${k}}`,
      ]),
    ),
  };
}

/** A stack of `project` (written to its work directory as Pulumi.yaml) in the local backend. */
export async function yamlStack(stackName: string, project: Record<string, unknown>): Promise<EngineRun> {
  const pulumiCommand = await engineCommand();
  const envVars = yamlEnv();
  // The launcher runs dist/provider/main.js: build it from this checkout (esbuild, well under a second).
  execFileSync("npm", ["run", "--silent", "build:provider"], { cwd: REPO_ROOT, stdio: "pipe" });
  const workDir = stackWorkDir(stackName);
  writeFileSync(join(workDir, "Pulumi.yaml"), stringify(project));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir },
    { workDir, pulumiHome: PULUMI_HOME, pulumiCommand, envVars },
  );
  return { stack, log: [] };
}
