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

export function createLogger(
  id: string,
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
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
