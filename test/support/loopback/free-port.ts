import { createServer } from "node:net";

/**
 * Ports this process has handed out. The kernel may give the same free port to two bind(0) calls in a row
 * once the first socket is closed, and a supervisor refuses two equal ports (exit 2 before its first log
 * line): a CI run once lost a whole e2e file to that.
 */
const issued = new Set<number>();

function kernelPick(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** A loopback TCP port nobody listens on right now (the kernel's pick), never one handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await kernelPick();
    if (!issued.has(port)) {
      issued.add(port);
      return port;
    }
  }
  throw new Error(
    `freePort: 100 kernel picks in a row were ports already handed out (${issued.size} issued)`,
  );
}
