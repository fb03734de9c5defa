import { watch, type FSWatcher } from "node:fs";
import type { Logger } from "./log";
import { checkTlsFiles, readTlsFiles, TlsFilesError, type TlsIdentity } from "./tls-files";

/**
 * How often the Secret's directory is read again. A renewed Secret reaches the pod when the kubelet
 * syncs the volume (its own period, about a minute); the watch below usually sees the `..data` swap at
 * once, but inotify can fail on a busy node (its watch limit) or be absent on a volume type, and a
 * missed event must not keep an old certificate until it expires. Reading three small files every 10 s
 * costs nothing and keeps the pickup well inside a minute.
 */
export const TLS_POLL_MS = 10_000;
/** A swap writes a directory and renames a symlink: wait for the events to settle. */
const WATCH_DEBOUNCE_MS = 200;

/**
 * The certificate and key the routers and the peer port serve, kept current with the mounted Secret.
 * A new pair that does not check out (a key of another certificate, a half-written file) is logged and
 * the old one kept; the same bad files are logged once, not at every poll.
 */
export class TlsCredentials {
  private identity: TlsIdentity;
  private readonly listeners: ((id: TlsIdentity) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  /** The error last logged for files that did not check out, to say it once. */
  private lastError: string | null = null;

  constructor(
    readonly dir: string,
    initial: TlsIdentity,
    private readonly log: Logger,
    private readonly pollMs = TLS_POLL_MS,
  ) {
    this.identity = initial;
  }

  get current(): TlsIdentity {
    return this.identity;
  }

  /** Called with every new identity after it replaced the old one. */
  onChange(listener: (id: TlsIdentity) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.timer = setInterval(() => this.check(), this.pollMs);
    this.timer.unref();
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => {
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.check(), WATCH_DEBOUNCE_MS);
      });
      this.watcher.on("error", () => undefined); // the poll carries on
    } catch {
      // no inotify here: the poll alone
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
  }

  /** Reads the files again; a changed, valid pair replaces the current one. */
  check(): void {
    let next: TlsIdentity;
    try {
      next = checkTlsFiles(this.dir, readTlsFiles(this.dir));
    } catch (e) {
      if (!(e instanceof TlsFilesError)) throw e;
      if (e.message !== this.lastError) {
        this.lastError = e.message;
        this.log.error("tls.reload_failed", {
          dir: this.dir,
          error: e.message,
          kept: this.identity.fingerprint,
          notAfter: this.identity.notAfter,
        });
      }
      return;
    }
    this.lastError = null;
    if (next.digest === this.identity.digest) return;
    const previous = this.identity.fingerprint;
    this.identity = next;
    for (const l of this.listeners) l(next);
    this.log.info("tls.reloaded", {
      dir: this.dir,
      fingerprint: next.fingerprint,
      previous,
      notAfter: next.notAfter,
      names: next.names,
    });
  }
}
