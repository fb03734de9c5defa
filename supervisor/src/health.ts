import { createServer, type Server } from "node:http";
import { SCALER } from "../../components/contract/scaler";
import type { ScalerAnswer } from "./scaler";

export interface HealthHandlers {
  /** The supervisor loop is alive. */
  alive(): boolean;
  /** A primary is known and its Faktory answers. */
  ready(): Promise<boolean>;
  status(): unknown;
  metrics(): Promise<string>;
  /** The scaler endpoint (components/contract/scaler.ts), for KEDA's metrics-api trigger. */
  scaler(params: URLSearchParams): Promise<ScalerAnswer>;
}

/** /healthz, /readyz, /status (JSON), /metrics (Prometheus text), /scaler (JSON). */
export function startHealthServer(host: string, port: number, h: HealthHandlers): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://health");
    } catch {
      return send(400, "text/plain", "bad request target\n");
    }
    const path = url.pathname;
    switch (path) {
      case "/healthz":
        return h.alive() ? send(200, "text/plain", "ok\n") : send(503, "text/plain", "stalled\n");
      case "/readyz":
        void h
          .ready()
          .then((ok) =>
            ok ? send(200, "text/plain", "ok\n") : send(503, "text/plain", "no reachable primary\n"),
          )
          .catch(() => send(503, "text/plain", "no reachable primary\n"));
        return;
      case "/status":
        return send(200, "application/json", JSON.stringify(h.status(), null, 2) + "\n");
      case "/metrics":
        void h
          .metrics()
          .then((text) => send(200, "text/plain; version=0.0.4; charset=utf-8", text))
          .catch((e: unknown) => send(500, "text/plain", `metrics failed: ${String(e)}\n`));
        return;
      case SCALER.path:
        void h
          .scaler(url.searchParams)
          .then((a) => send(a.code, "application/json", JSON.stringify(a.body) + "\n"))
          .catch((e: unknown) =>
            send(503, "application/json", JSON.stringify({ state: "unknown", reason: String(e) }) + "\n"),
          );
        return;
      default:
        return send(404, "text/plain", "not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
