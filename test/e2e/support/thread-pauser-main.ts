/**
 * The child process behind `pauseLeaseThread` (pause-thread.ts): pauses the JavaScript of one worker thread
 * of a supervisor through the DevTools protocol, leaving its main thread running — a lease thread stuck in
 * a long GC, a CPU-starved or a wedged event loop, as seen from outside.
 *
 * Run with `node --experimental-websocket` (Node 20's global WebSocket is behind that flag), after the
 * supervisor got SIGUSR1 (which opens its inspector on the port it was started with). Controlled over IPC:
 *   ← {type: "paused", at, worker}   once the worker reported Debugger.paused
 *   → {cmd: "resume"}                 Debugger.resume; then ← {type: "resumed", at} and exit
 *   ← {type: "error", error}          when it could not pause the worker
 * It exits when the parent goes away; the inspector session closes with it, which resumes the worker too.
 */

interface Target {
  readonly webSocketDebuggerUrl: string;
}
interface CdpMessage {
  readonly id?: number;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly error?: { readonly message: string };
}

const port = Number(process.argv[2]);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tell(m: Record<string, unknown>): void {
  process.send?.(m);
}

/** The supervisor's main-thread target; the inspector needs a moment after SIGUSR1 to listen. */
async function mainTarget(): Promise<string> {
  let last: unknown = null;
  for (let i = 0; i < 100; i++) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Target[];
      if (list[0]) return list[0].webSocketDebuggerUrl;
    } catch (e) {
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`no inspector target on port ${port}: ${String(last)}`);
}

async function main(): Promise<void> {
  const ws = new WebSocket(await mainTarget());
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("inspector WebSocket failed")), { once: true });
  });
  let nextId = 1;
  const send = (method: string, params: Record<string, unknown> = {}) =>
    ws.send(JSON.stringify({ id: nextId++, method, params }));
  let sessionId: string | null = null;
  const toWorker = (method: string) =>
    send("NodeWorker.sendMessageToWorker", {
      sessionId,
      message: JSON.stringify({ id: nextId++, method }),
    });
  let workerUrl = "";
  let paused = false;

  ws.addEventListener("message", (ev: MessageEvent) => {
    const m = JSON.parse(String(ev.data)) as CdpMessage;
    if (m.error) tell({ type: "error", error: m.error.message });
    if (m.method === "NodeWorker.attachedToWorker" && sessionId === null) {
      // The supervisor runs one worker thread: the lease thread.
      sessionId = String(m.params?.sessionId);
      const info = m.params?.workerInfo as { url?: string } | undefined;
      workerUrl = info?.url ?? "";
      toWorker("Debugger.enable");
      toWorker("Debugger.pause");
      return;
    }
    if (m.method === "NodeWorker.receivedMessageFromWorker") {
      const inner = JSON.parse(String(m.params?.message)) as CdpMessage;
      if (inner.error) tell({ type: "error", error: inner.error.message });
      if (inner.method === "Debugger.paused" && !paused) {
        paused = true;
        tell({ type: "paused", at: Date.now(), worker: workerUrl });
      }
    }
  });
  ws.addEventListener("close", () => process.exit(0));
  process.on("message", (m: { cmd?: string }) => {
    if (m.cmd !== "resume") return;
    toWorker("Debugger.resume");
    tell({ type: "resumed", at: Date.now() });
    setTimeout(() => ws.close(), 50);
  });
  send("NodeWorker.enable", { waitForDebuggerOnStart: false });
}

process.on("disconnect", () => process.exit(0));
main().catch((e: unknown) => {
  tell({ type: "error", error: String(e) });
  process.exit(1);
});
