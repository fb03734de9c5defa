// Offline checks of the two prometheus-operator objects the component can create (PodMonitor and
// PrometheusRule, monitoring.coreos.com/v1), for `validateKubernetesObject`. The Kubernetes schema
// does not cover custom resources; these are the constraints of the operator's CRDs that a builder
// could get wrong: required fields, enums, durations, one of alert/record, unique group names.
import { isObj, metadataErrors, model, type Obj, type SchemaError } from "../crd-model";

const isStringMap = (v: unknown) => isObj(v) && Object.values(v).every((x) => typeof x === "string");
// The CRDs' duration pattern (Prometheus durations, largest unit first).
const DURATION =
  /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

function podMonitorErrors(o: Obj): SchemaError[] {
  const errors = metadataErrors(o);
  const spec = o.spec;
  if (!isObj(spec)) return [...errors, { instancePath: "/spec", message: "must be an object" }];
  if (!isObj(spec.selector))
    errors.push({ instancePath: "/spec/selector", message: "is required (a label selector)" });
  const endpoints = spec.podMetricsEndpoints ?? [];
  if (!Array.isArray(endpoints)) {
    errors.push({ instancePath: "/spec/podMetricsEndpoints", message: "must be an array" });
    return errors;
  }
  endpoints.forEach((e: unknown, i) => {
    const at = `/spec/podMetricsEndpoints/${i}`;
    if (!isObj(e)) return errors.push({ instancePath: at, message: "must be an object" });
    if (e.port !== undefined && typeof e.port !== "string") {
      errors.push({ instancePath: `${at}/port`, message: "must be a container port name" });
    }
    if (e.path !== undefined && (typeof e.path !== "string" || !e.path.startsWith("/"))) {
      errors.push({ instancePath: `${at}/path`, message: 'must be a path starting with "/"' });
    }
    if (e.scheme !== undefined && e.scheme !== "http" && e.scheme !== "https") {
      errors.push({ instancePath: `${at}/scheme`, message: 'must be "http" or "https"' });
    }
    for (const key of ["interval", "scrapeTimeout"] as const) {
      const v = e[key];
      if (v !== undefined && (typeof v !== "string" || !DURATION.test(v))) {
        errors.push({ instancePath: `${at}/${key}`, message: "must be a Prometheus duration" });
      }
    }
    return undefined;
  });
  const ns = spec.namespaceSelector;
  if (ns !== undefined && (!isObj(ns) || (ns.matchNames !== undefined && !Array.isArray(ns.matchNames)))) {
    errors.push({
      instancePath: "/spec/namespaceSelector",
      message: "must be { any } or { matchNames: [...] }",
    });
  }
  return errors;
}

function prometheusRuleErrors(o: Obj): SchemaError[] {
  const errors = metadataErrors(o);
  const spec = o.spec;
  if (!isObj(spec)) return [...errors, { instancePath: "/spec", message: "must be an object" }];
  const groups = spec.groups ?? [];
  if (!Array.isArray(groups))
    return [...errors, { instancePath: "/spec/groups", message: "must be an array" }];
  const names = new Set<string>();
  groups.forEach((g: unknown, i) => {
    const at = `/spec/groups/${i}`;
    if (!isObj(g)) return errors.push({ instancePath: at, message: "must be an object" });
    if (typeof g.name !== "string" || g.name === "") {
      errors.push({ instancePath: `${at}/name`, message: "is required" });
    } else if (names.has(g.name)) {
      errors.push({
        instancePath: `${at}/name`,
        message: `must be unique (${JSON.stringify(g.name)} repeats)`,
      });
    } else names.add(g.name);
    if (g.interval !== undefined && (typeof g.interval !== "string" || !DURATION.test(g.interval))) {
      errors.push({ instancePath: `${at}/interval`, message: "must be a Prometheus duration" });
    }
    if (!Array.isArray(g.rules))
      return errors.push({ instancePath: `${at}/rules`, message: "must be an array" });
    g.rules.forEach((r: unknown, j) => {
      const ra = `${at}/rules/${j}`;
      if (!isObj(r)) return errors.push({ instancePath: ra, message: "must be an object" });
      if ((typeof r.alert === "string") === (typeof r.record === "string")) {
        errors.push({ instancePath: ra, message: "must have exactly one of alert and record" });
      }
      if (typeof r.expr !== "string" || r.expr.trim() === "") {
        errors.push({ instancePath: `${ra}/expr`, message: "is required (a PromQL expression)" });
      }
      if (r.for !== undefined && (typeof r.for !== "string" || !DURATION.test(r.for))) {
        errors.push({ instancePath: `${ra}/for`, message: "must be a Prometheus duration" });
      }
      for (const key of ["labels", "annotations"] as const) {
        if (r[key] !== undefined && !isStringMap(r[key])) {
          errors.push({ instancePath: `${ra}/${key}`, message: "must map names to strings" });
        }
      }
      return undefined;
    });
    return undefined;
  });
  return errors;
}

export const monitoringModels: Readonly<Record<string, (o: Obj) => { validate(): void }>> = {
  "monitoring.coreos.com/v1/PodMonitor": model(podMonitorErrors),
  "monitoring.coreos.com/v1/PrometheusRule": model(prometheusRuleErrors),
};
