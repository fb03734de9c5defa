import { existsSync, watch, type FSWatcher } from "node:fs";

/**
 * Calls onChange (debounced) when anything in dir changes. A Kubernetes ConfigMap volume updates by
 * swapping a symlink (..data), which shows up as rename events in the directory itself.
 */
export function watchConfigDir(dir: string, debounceMs: number, onChange: () => void): { close(): void } {
  if (!existsSync(dir)) return { close: () => undefined };
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on("error", () => undefined);
  } catch {
    return { close: () => undefined };
  }
  return {
    close: () => {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
