import { createServer, type Server } from "node:http";

export interface HealthHandlers {
  /** The supervisor loop is alive. */
  alive(): boolean;
  /** A primary is known and its Faktory answers. */
  ready(): Promise<boolean>;
  status(): unknown;
  metrics(): Promise<string>;
}

/** /healthz, /readyz, /status (JSON), /metrics (Prometheus text). */
export function startHealthServer(host: string, port: number, h: HealthHandlers): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
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
      default:
        return send(404, "text/plain", "not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
