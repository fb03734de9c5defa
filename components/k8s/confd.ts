// conf.d files. statsd.toml is rendered here; cron.toml comes from the cron module.
import type { StatsdSettings } from "./types";

const tomlString = (s: string): string => JSON.stringify(s);

/** Renders Faktory Enterprise's `statsd.toml`. */
export function renderStatsdToml(statsd: StatsdSettings): string {
  const lines = [
    "[statsd]",
    `location = ${tomlString(statsd.location)}`,
    `namespace = ${tomlString(statsd.namespace ?? "faktory")}`,
  ];
  if (statsd.tags && statsd.tags.length > 0) lines.push(`tags = [${statsd.tags.map(tomlString).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}
