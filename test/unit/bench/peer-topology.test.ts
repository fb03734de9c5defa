// The single-pod Faktory `npm run bench:peer` compares against: the Helm chart's topology, as built here.
import { describe, expect, it } from "vitest";
import { peerManifests, PEER_NAME, PEER_REDIS_SOCKET } from "../../../bench/peer-topology";

type Obj = { kind: string; metadata: { name: string }; spec?: Record<string, unknown>; stringData?: object };

describe("the peer topology", () => {
  const objects = peerManifests({
    namespace: "peer",
    image: "img:1",
    password: "pw",
    dataDir: "/data/peer",
  }) as Obj[];
  const sts = objects.find((o) => o.kind === "StatefulSet") as unknown as {
    spec: {
      replicas: number;
      template: {
        spec: {
          containers: {
            command: string[];
            args: string[];
            env: { name: string; value?: string; valueFrom?: object }[];
            volumeMounts: { mountPath: string }[];
          }[];
          volumes: { hostPath: { path: string } }[];
        };
      };
    };
  };

  it("is one open-source Faktory pod behind a Service, its password in a Secret", () => {
    expect(objects.map((o) => o.kind)).toEqual(["Namespace", "Secret", "Service", "StatefulSet"]);
    expect(sts.spec.replicas).toBe(1);
    const c = sts.spec.template.spec.containers[0];
    expect(c.command[0]).toBe("/usr/local/bin/faktory-oss");
    const password = c.env.find((e) => e.name === "FAKTORY_PASSWORD");
    expect(password).toEqual({
      name: "FAKTORY_PASSWORD",
      valueFrom: { secretKeyRef: { name: PEER_NAME, key: "password" } },
    });
  });

  it("starts Debian's redis-server, not the shared-Redis stand-in, with its data on the volume", () => {
    const c = sts.spec.template.spec.containers[0];
    // The stand-in lives in /usr/local/bin: left off this PATH.
    expect(c.env.find((e) => e.name === "PATH")?.value).toBe("/usr/sbin:/usr/bin:/sbin:/bin");
    expect(c.args).toEqual(["-d", "/var/lib/faktory/db"]);
    expect(PEER_REDIS_SOCKET.startsWith("/var/lib/faktory/db/")).toBe(true);
    expect(c.volumeMounts[0].mountPath).toBe("/var/lib/faktory");
    expect(sts.spec.template.spec.volumes[0].hostPath.path).toBe("/data/peer");
  });
});
