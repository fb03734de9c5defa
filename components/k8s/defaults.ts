// Every default of the Faktory component, in one place (the stack config takes its defaults from here).
import { LEASE_DEFAULTS, STARTUP_DEFAULTS } from "../contract/supervisor";
import { LIVENESS_DEFAULTS, MAX_SECONDARIES, RESOURCE_DEFAULTS } from "./args-schema";
import { TLS_DEFAULTS } from "./tls/defaults";
import type { FaktoryEdition } from "./types";

/** Every default of the component, in one place. */
export const DEFAULTS = {
  edition: "enterprise" as FaktoryEdition,
  secondaries: { enterprise: 1, oss: 0 },
  createNamespace: true,
  webUi: false,
  loadBalancer: true,
  serviceName: "faktory",
  lease: LEASE_DEFAULTS,
  liveness: LIVENESS_DEFAULTS,
  startup: STARTUP_DEFAULTS,
  readiness: { periodSeconds: 2, failureThreshold: 2, timeoutSeconds: 1 },
  terminationGracePeriodSeconds: 30,
  /** Time after the stop timeout for the supervisor to release the lease and the router to drain. */
  handoverMarginSeconds: 5,
  deregistrationDelaySeconds: 15,
  requests: RESOURCE_DEFAULTS.requests,
  limits: RESOURCE_DEFAULTS.limits,
  runAsUser: 1000,
  storageSize: "10Gi",
  maxSecondaries: MAX_SECONDARIES,
  passwordLength: 32,
  tls: TLS_DEFAULTS,
  /** KEDA's namespace in its Helm chart's and manifests' instructions. */
  scalerNamespaces: ["keda"] as readonly string[],
} as const;
