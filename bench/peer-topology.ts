// What Faktory users run on Kubernetes today, for `npm run bench:peer` to compare against: the Helm chart's
// topology — a StatefulSet of one open-source Faktory whose own Redis (Faktory starts `redis-server`
// itself) keeps its data on a volume. On the local node the volume is a hostPath directory (the stand-in
// for the chart's PersistentVolumeClaim: it outlives the pod the same way). Same image, same Faktory binary
// as the faktory-ha pods; only the topology differs.

export interface PeerOptions {
  readonly namespace: string;
  readonly image: string;
  readonly password: string;
  /** Directory on the node for Faktory's Redis data (the volume). */
  readonly dataDir: string;
}

export const PEER_NAME = "faktory";
/** The one pod of the StatefulSet. */
export const PEER_POD = `${PEER_NAME}-0`;
/** Where Faktory puts its Redis's socket: in its -d directory. */
export const PEER_REDIS_SOCKET = "/var/lib/faktory/db/redis.sock";
/** The unprivileged user the peer runs as; the bench gives it the data directory. */
export const PEER_UID = 1000;

export function peerManifests(o: PeerOptions): object[] {
  const labels = { "app.kubernetes.io/name": PEER_NAME, "app.kubernetes.io/instance": o.namespace };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: o.namespace } },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: PEER_NAME, namespace: o.namespace },
      stringData: { password: o.password },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: PEER_NAME, namespace: o.namespace, labels },
      spec: {
        selector: labels,
        ports: [
          { name: "faktory", port: 7419, targetPort: 7419 },
          { name: "web", port: 7420, targetPort: 7420 },
        ],
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: PEER_NAME, namespace: o.namespace, labels },
      spec: {
        replicas: 1,
        serviceName: PEER_NAME,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: PEER_UID, runAsGroup: PEER_UID },
            containers: [
              {
                name: "faktory",
                image: o.image,
                imagePullPolicy: "Never",
                // Faktory itself, no supervisor: it starts Debian's redis-server (first on this PATH, ahead of
                // the test image's shared-Redis stand-in) with its data in -d, on the volume.
                command: ["/usr/local/bin/faktory-oss", "-b", ":7419", "-w", ":7420", "-e", "production"],
                args: ["-d", "/var/lib/faktory/db"],
                env: [
                  { name: "PATH", value: "/usr/sbin:/usr/bin:/sbin:/bin" },
                  { name: "HOME", value: "/tmp" },
                  {
                    name: "FAKTORY_PASSWORD",
                    valueFrom: { secretKeyRef: { name: PEER_NAME, key: "password" } },
                  },
                ],
                ports: [
                  { name: "faktory", containerPort: 7419 },
                  { name: "web", containerPort: 7420 },
                ],
                // As the chart probes it: the TCP port.
                readinessProbe: { tcpSocket: { port: 7419 }, periodSeconds: 2, failureThreshold: 1 },
                livenessProbe: { tcpSocket: { port: 7419 }, periodSeconds: 10, failureThreshold: 3 },
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { cpu: "1", memory: "512Mi" },
                },
                volumeMounts: [{ name: "data", mountPath: "/var/lib/faktory" }],
              },
            ],
            volumes: [{ name: "data", hostPath: { path: o.dataDir, type: "Directory" } }],
          },
        },
      },
    },
  ];
}
