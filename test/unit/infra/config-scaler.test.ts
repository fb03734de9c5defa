// `faktory-ha:scalerNamespaces`: the namespaces (KEDA's) admitted to the supervisors' scaler endpoint, the
// component's `scalerNamespaces` arg as a stack key, with the component's edition rule.
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../infra/config";
import { PROD_SECRETS, PROD_STACK, problemsOf } from "./problems";

const stack = PROD_STACK;
const secrets = PROD_SECRETS;
const withScaler = (value: unknown, extra: Record<string, string> = {}): Record<string, string> => ({
  ...stack,
  ...extra,
  "faktory-ha:scalerNamespaces": JSON.stringify(value),
});

describe("faktory-ha:scalerNamespaces", () => {
  it("is absent unless set (the component's default applies) and passes a list of namespaces on", () => {
    expect(parseStackConfig(stack, secrets).scalerNamespaces).toBeUndefined();
    expect(parseStackConfig(withScaler(["autoscaling", "keda"]), secrets).scalerNamespaces).toEqual([
      "autoscaling",
      "keda",
    ]);
  });

  it("refuses what is not a namespace name, naming the element", () => {
    expect(problemsOf(withScaler(["KEDA"]), secrets)).toEqual([
      'faktory-ha:scalerNamespaces[0]: got "KEDA"; must be a Kubernetes namespace name (lowercase DNS label)',
    ]);
    expect(problemsOf(withScaler("keda"), secrets)).toEqual([
      'faktory-ha:scalerNamespaces: got "keda"; must list Kubernetes namespace names',
    ]);
  });

  it("is refused with the open-source edition, which has no scaler endpoint", () => {
    const oss = { "faktory-ha:edition": "oss", "faktory-ha:environment": "dev" };
    const config = withScaler(["keda"], oss);
    delete config["faktory-ha:license"];
    expect(problemsOf(config, new Set())).toEqual([
      'faktory-ha:scalerNamespaces: got ["keda"]; is not used with faktory-ha:edition "oss" (the scaler endpoint is served by the faktory-ha supervisor on its health port, which open-source Faktory alone does not have): remove it or set faktory-ha:edition to "enterprise"',
    ]);
  });
});
