import { writeSync } from "node:fs";
import { pino } from "pino";

/**
 * JSON-lines logger on pino: one line per event, `event` and `id` at the top level. Secrets are masked
 * twice: by field path (pino's redact: passwords, password hashes, Redis URLs, licences) and, over the
 * whole line, any `user:password@` in a URL (redact()).
 */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]*)@/gi;

/** Masks user:password@ in any URL inside a string. */
export function redact(text: string): string {
  return text.replace(URL_CREDENTIALS, (_m, scheme: string) => `${scheme}***:***@`);
}

/** Field names whose value is never printed, at the top level or one object down. */
export const SECRET_FIELDS = [
  "password",
  "faktoryPassword",
  "pwdhash",
  "redisUrl",
  "license",
  "authorization",
] as const;
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]);
export const CENSOR = "***";

/**
 * Writes straight to fd 1: the lease worker must be able to log while the main thread is busy, and a
 * worker's process.stdout goes through the main thread. Synchronous, like pino.destination({ fd: 1,
 * sync: true }), but a full non-blocking pipe is retried briefly and then the line is dropped, where
 * sonic-boom would sleep 100 ms per EAGAIN and stall fencing on the lease thread.
 */
export function writeStdout(line: string): void {
  const buf = Buffer.from(line);
  for (let off = 0, tries = 0; off < buf.length;) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || ++tries > 1000) return;
    }
  }
}

export function createLogger(id: string, write: (line: string) => void = writeStdout): Logger {
  const p = pino(
    {
      base: { id },
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    },
    // pino calls write() once per line, synchronously; the line is complete JSON plus "\n".
    { write: (line: string) => write(redact(line)) },
  );
  return {
    info: (event, f) => p.info({ event, ...f }),
    warn: (event, f) => p.warn({ event, ...f }),
    error: (event, f) => p.error({ event, ...f }),
  };
}
