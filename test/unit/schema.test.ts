// schema.json (what other languages' SDKs and the provider plugin are built from) is generated from the
// component's TypeScript declarations (scripts/schema/generate.ts): it must equal a fresh generation, and an
// edit to the declarations must show up as a difference naming the property.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FAKTORY_ARG_NAMES } from "../../components/k8s/arg-names";
import { DEFAULTS } from "../../components/k8s/defaults";
import { generateSchema, schemaDifferences, type PackageSpec } from "../../scripts/schema/generate";

const root = join(__dirname, "../..");
const TYPES = join(root, "components/k8s/types.ts");
const checkedIn = JSON.parse(readFileSync(join(root, "schema.json"), "utf8")) as PackageSpec;
const FAKTORY = "resources.faktory-ha:k8s:Faktory";

type Props = Record<string, { default?: unknown; plain?: boolean; secret?: boolean }>;
const resource = (schema: PackageSpec) =>
  (
    schema.resources as Record<
      string,
      { inputProperties: Props; properties: Props; requiredInputs: string[] }
    >
  )["faktory-ha:k8s:Faktory"];
const typeProps = (schema: PackageSpec, name: string) =>
  (schema.types as Record<string, { properties: Props }>)[`faktory-ha:k8s:${name}`].properties;

/** The schema generated with `edit` applied to components/k8s/types.ts. */
function generateWithTypes(edit: (source: string) => string): PackageSpec {
  return generateSchema(root, (path) => {
    const text = readFileSync(path, "utf8");
    if (path !== TYPES) return text;
    const edited = edit(text);
    expect(edited, "the edit changed nothing").not.toBe(text);
    return edited;
  });
}

describe("schema.json", () => {
  it("is what the TypeScript declarations generate (else: npx tsx scripts/gen-schema.ts)", () => {
    expect(schemaDifferences(checkedIn, generateSchema(root))).toEqual([]);
  });

  it("fails on a deliberate mismatch: an arg removed from the declarations", () => {
    const fresh = generateWithTypes((s) => s.replace(/\n {2}readonly webUi\?: boolean;/, ""));
    expect(schemaDifferences(checkedIn, fresh)).toEqual([
      `${FAKTORY}.inputProperties.webUi: only in the checked-in schema`,
    ]);
  });

  it("fails on a changed default, a changed type and a newly secret value", () => {
    const fresh = generateWithTypes((s) =>
      s
        .replace("@default 15 */", "@default 20 */")
        .replace("readonly priorityClassName?: string;", "readonly priorityClassName?: number;")
        .replace(
          "readonly username: pulumi.Input<string>;",
          "/** @secret */ readonly username: pulumi.Input<string>;",
        ),
    );
    const delay = `${FAKTORY}.inputProperties.deregistrationDelaySeconds`;
    const differences = schemaDifferences(checkedIn, fresh);
    expect(differences).toEqual([
      expect.stringMatching(
        new RegExp(`^${delay}.description: ".*Default: 15\\." checked in, ".*Default: 20\\." generated$`),
      ),
      `${delay}.default: 15 checked in, 20 generated`,
      `${FAKTORY}.inputProperties.priorityClassName.type: "string" checked in, "integer" generated`,
      "types.faktory-ha:k8s:RegistryCredentials.properties.username.secret: missing from the checked-in schema",
    ]);
  });

  it("refuses an arg that cannot cross a language boundary, naming it", () => {
    expect(() =>
      generateWithTypes((s) => s.replace("readonly webUi?: boolean;", "readonly webUi?: () => boolean;")),
    ).toThrow("FaktoryArgsBase.webUi: () => boolean cannot cross a language boundary");
    expect(() =>
      generateWithTypes((s) => s.replace("readonly runAsUser?: number;", "readonly runAsUser?: string;")),
    ).toThrow("FaktoryArgsBase.runAsUser: @default 1000 is not a string");
  });

  it("has every arg the component takes, and requires what TypeScript requires", () => {
    const faktory = resource(checkedIn);
    expect(Object.keys(faktory.inputProperties).sort()).toEqual([...FAKTORY_ARG_NAMES].sort());
    expect(faktory.requiredInputs).toEqual(["image", "vpcCidrs"]);
  });

  it("marks the secrets and the plain args (those that decide which resources exist)", () => {
    const inputs = resource(checkedIn).inputProperties;
    const flagged = (flag: "plain" | "secret") => Object.keys(inputs).filter((k) => inputs[k][flag]);
    expect(flagged("secret")).toEqual(["redisUrl", "password", "license"]);
    expect(flagged("plain")).toEqual(
      expect.arrayContaining(["edition", "secondaries", "createNamespace", "loadBalancer", "cron"]),
    );
    expect(flagged("plain")).not.toContain("image");
    const outputs = resource(checkedIn).properties;
    expect(Object.keys(outputs).filter((k) => outputs[k].secret)).toEqual([
      "inClusterUrl",
      "inClusterTlsUrl",
      "loadBalancerUrl",
      "loadBalancerTlsUrl",
      "password",
    ]);
  });

  it("gives each default the component applies at run time, and none to an arg one edition refuses", () => {
    const withDefault = (props: Props) =>
      Object.fromEntries(Object.entries(props).flatMap(([k, p]) => ("default" in p ? [[k, p.default]] : [])));
    const top = withDefault(resource(checkedIn).inputProperties);
    for (const [key, value] of Object.entries(top))
      expect([key, value]).toEqual([key, DEFAULTS[key as keyof typeof DEFAULTS]]);
    // `storageSize` (oss only) and `cron` (enterprise only) have defaults in TypeScript; an SDK that sent them
    // would make every component of the other edition fail.
    expect(top).not.toHaveProperty("storageSize");
    expect(withDefault(typeProps(checkedIn, "LeaseSettings"))).toEqual(DEFAULTS.lease);
    expect(withDefault(typeProps(checkedIn, "LivenessSettings"))).toEqual(DEFAULTS.liveness);
    // failureThreshold's @default is prose ("180 (half an hour at the default period)"): description only.
    expect(withDefault(typeProps(checkedIn, "StartupSettings"))).toEqual({
      periodSeconds: DEFAULTS.startup.periodSeconds,
    });
  });
});
