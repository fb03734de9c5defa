// The component's args are a union told apart by `edition`: an arg the edition cannot use is a compile
// error. `npm run typecheck` fails if any line marked @ts-expect-error below type-checks; the run-time
// checks for JavaScript callers are in settings.test.ts.
import { expect, it } from "vitest";
import type { FaktoryArgs } from "../../../components/k8s";

const base = { image: "contribsys/faktory:1.9.4", vpcCidrs: ["10.0.0.0/16"] };

it("refuses at compile time what the edition cannot use, and accepts each edition's own args", () => {
  const refused = [
    // @ts-expect-error OSS runs its own Redis
    { ...base, edition: "oss", redisUrl: "redis://r:6379" } satisfies FaktoryArgs,
    // @ts-expect-error OSS cannot have standbys
    { ...base, edition: "oss", secondaries: 2 } satisfies FaktoryArgs,
    // @ts-expect-error cron needs Faktory Enterprise
    { ...base, edition: "oss", cron: [] } satisfies FaktoryArgs,
    // @ts-expect-error no supervisor, so no lease timings
    { ...base, edition: "oss", lease: { ttlMs: 10_000 } } satisfies FaktoryArgs,
    // @ts-expect-error enterprise (the default) keeps its data in Redis, not on a volume
    { ...base, storageSize: "10Gi" } satisfies FaktoryArgs,
    // @ts-expect-error no supervisor, so no TLS
    { ...base, edition: "oss", tls: { mode: "required", secretName: "c" } } satisfies FaktoryArgs,
    // @ts-expect-error TLS on names its certificate
    { ...base, tls: { mode: "required" } } satisfies FaktoryArgs,
    {
      ...base,
      // @ts-expect-error one certificate, not two
      tls: { mode: "optional", secretName: "c", certManager: { issuerName: "ca" } },
    } satisfies FaktoryArgs,
    // @ts-expect-error TLS off opens no TLS port
    { ...base, tls: { mode: "off", port: 7429 } } satisfies FaktoryArgs,
  ];
  const accepted: FaktoryArgs[] = [
    { ...base, edition: "oss", storageSize: "10Gi", storageClassName: "gp3" },
    { ...base, redisUrl: "rediss://:t@r:6379", license: "l", secondaries: 2, lease: { ttlMs: 10_000 } },
    { ...base, tls: { mode: "required", certManager: { issuerName: "ca", issuerKind: "ClusterIssuer" } } },
  ];
  expect(refused).toHaveLength(9);
  expect(accepted.map((a) => a.edition ?? "enterprise")).toEqual(["oss", "enterprise", "enterprise"]);
});
