import { LIVENESS_DEFAULTS } from "../../../components/k8s/args-schema";
import { withTimeout, type SupervisorHandle } from "../../support/loopback";

/** The kubelet's liveness probe on one pod, with the component's default timings. */
export interface LivenessProber {
  /** When the pod was killed (SIGKILL of supervisor and Faktory), or null while it was not. */
  readonly killedAt: number | null;
  stop(): void;
}

/**
 * Plays the kubelet for `sup`: GET /healthz every periodSeconds with timeoutSeconds; after failureThreshold
 * failures in a row, SIGTERM to the supervisor, then SIGKILL of the whole pod (supervisor and Faktory)
 * terminationGracePeriodSeconds later — the liveness settings' own grace.
 */
export function probeLiveness(
  sup: SupervisorHandle,
  t: {
    readonly periodSeconds: number;
    readonly failureThreshold: number;
    readonly timeoutSeconds: number;
    readonly terminationGracePeriodSeconds: number;
  } = LIVENESS_DEFAULTS,
): LivenessProber {
  let killedAt: number | null = null;
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const probe = async () => {
    const ok = await withTimeout(
      fetch(`http://127.0.0.1:${sup.ports.healthPort}/healthz`).then((r) => r.ok),
      t.timeoutSeconds * 1000,
    ).catch(() => false);
    if (stopped) return;
    failures = ok ? 0 : failures + 1;
    if (failures < t.failureThreshold) {
      timer = setTimeout(() => void probe(), t.periodSeconds * 1000);
      return;
    }
    sup.proc.kill("SIGTERM");
    timer = setTimeout(() => {
      sup.signalGroup("SIGCONT");
      sup.signalGroup("SIGKILL");
      killedAt = Date.now();
    }, t.terminationGracePeriodSeconds * 1000);
  };
  timer = setTimeout(() => void probe(), t.periodSeconds * 1000);
  return {
    get killedAt() {
      return killedAt;
    },
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
