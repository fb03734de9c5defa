import type { Socket } from "node:net";

/** How long a closing connection's last reply gets to reach a client that keeps sending. */
const LINGER_MS = 1_000;

/**
 * Sends a last reply, then closes. Whatever the client still sends is read and dropped meanwhile:
 * closing with unread input makes the kernel send a reset, which can destroy the reply in transit.
 */
export function closeWith(client: Socket, last: Buffer): void {
  client.removeAllListeners("data");
  client.on("data", () => undefined);
  client.resume();
  client.end(last);
  const timer = setTimeout(() => client.destroy(), LINGER_MS);
  client.once("close", () => clearTimeout(timer));
}
