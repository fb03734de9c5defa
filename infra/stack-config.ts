// The validated stack config's type: what parseStackConfig returns and the cross-key rules read.
import type { PlainConfig, SecretKey } from "./config-schema";

export type Secrets = Partial<Record<SecretKey, string>>;

/** An existing Redis instead of ElastiCache; the URL is a secret, plain here like `secrets`. */
export interface ExistingRedis {
  readonly existingUrl: string;
}

export interface StackConfig extends Omit<PlainConfig, "secondaries" | "redis"> {
  /** Hot standbys (0 with the OSS edition). */
  readonly secondaries: number;
  /** ElastiCache to create, or an existing Redis (`redis.existingUrl`, secret). */
  readonly redis: PlainConfig["redis"] | ExistingRedis;
  /** Secret values, plain here; `infra/` wraps them with `pulumi.secret` before use. */
  readonly secrets: Secrets;
  /** Legal but risky or unrecognised values, each naming its key: shown, not fatal. */
  readonly warnings: readonly string[];
}
