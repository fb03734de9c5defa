/**
 * The child process behind `startEndpoint` (redis-failover.ts): a TCP endpoint that behaves like an
 * ElastiCache primary endpoint after a failover. Every NEW connection goes to the node that is primary
 * now; a connection already open stays on the node it was opened to, whatever happens later (as a TCP
 * connection to the old IP does when the endpoint's DNS name flips).
 *
 * It runs in its own process so that work in the test process (snapshots, audits, GC) cannot stall the
 * Redis traffic of the supervisors and Faktory it carries. Controlled over the IPC channel:
 *   → {id, cmd: "target", port}   new connections go to 127.0.0.1:port from now on
 *   → {id, cmd: "conns"}          the open connections (client port → node port, our local port there)
 *   ← {type: "listening", port}   once, at start
 *   ← {id, ...reply}
 * It exits when the parent goes away (IPC disconnect).
 */
import { createServer, connect, type Socket } from "node:net";

export interface ProxiedConnection {
  /** The client's own port on 127.0.0.1 (the remote port of the accepted socket). */
  readonly clientPort: number;
  /** The Redis node this connection was sent to. */
  readonly nodePort: number;
  /** Our port towards that node: what the node shows as `addr=127.0.0.1:<port>` in CLIENT LIST. */
  readonly localPort: number | null;
  readonly openedAt: number;
}

export type EndpointCommand = { cmd: "target"; port: number } | { cmd: "conns" };
export type EndpointRequest = EndpointCommand & { id: number };

const startPort = Number(process.argv[2]);
let targetPort = startPort;
const open = new Map<Socket, { clientPort: number; nodePort: number; upstream: Socket; openedAt: number }>();

const server = createServer((client) => {
  client.setNoDelay(true);
  const nodePort = targetPort;
  const upstream = connect({ host: "127.0.0.1", port: nodePort });
  upstream.setNoDelay(true);
  open.set(client, { clientPort: client.remotePort ?? 0, nodePort, upstream, openedAt: Date.now() });
  client.pipe(upstream);
  upstream.pipe(client);
  const end = () => {
    open.delete(client);
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
  client.on("close", end);
  upstream.on("close", end);
});

server.listen(0, "127.0.0.1", () => {
  const a = server.address();
  process.send?.({ type: "listening", port: typeof a === "object" && a ? a.port : 0 });
});

process.on("message", (m: EndpointRequest) => {
  if (m.cmd === "target") {
    targetPort = m.port;
    process.send?.({ id: m.id, ok: true });
  } else if (m.cmd === "conns") {
    const conns: ProxiedConnection[] = [...open.values()].map((c) => ({
      clientPort: c.clientPort,
      nodePort: c.nodePort,
      localPort: c.upstream.localPort ?? null,
      openedAt: c.openedAt,
    }));
    process.send?.({ id: m.id, conns });
  }
});
process.on("disconnect", () => process.exit(0));
