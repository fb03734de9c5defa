import { writeSync } from "node:fs";

/** JSON-lines logger. Values pass through redact() so a URL with a password is never printed. */
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

/**
 * Writes straight to fd 1: the lease worker must be able to log while the main thread is busy, and a
 * worker's process.stdout goes through the main thread.
 */
export function writeStdout(line: string): void {
  const buf = Buffer.from(line);
  for (let off = 0, tries = 0; off < buf.length;) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      // A non-blocking pipe that is full: retry briefly, then drop the line rather than stall fencing.
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || ++tries > 1000) return;
    }
  }
}

export function createLogger(id: string, write: (line: string) => void = writeStdout): Logger {
  const emit = (level: string, event: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ t: new Date().toISOString(), level, id, event, ...fields });
    write(redact(line) + "\n");
  };
  return {
    info: (e, f) => emit("info", e, f),
    warn: (e, f) => emit("warn", e, f),
    error: (e, f) => emit("error", e, f),
  };
}
