import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../supervisor/src/log";
import { Router } from "../../../supervisor/src/router";

// The router's behaviour with real Faktory servers (moving idle connections, holding, hold timeout,
// draining, the lease guard, the "shutdown in progress" resend, a Faktory dying mid-command) is tested
// in test/e2e/07-router.test.ts. Only what a real Faktory cannot be made to do stays here.
const log = createLogger("test", () => undefined);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("Faktory router (stand-in upstream)", () => {
  it("closes the client rather than pass on a reply it cannot match to a command", async () => {
    // Stand-in: a real Faktory answers every command exactly once, so an extra, unrequested reply
    // (a broken or foreign server) cannot be produced with one. This one greets, accepts the HELLO,
    // then answers the first command twice.
    const sockets = new Set<Socket>();
    const upstream = createServer((sock) => {
      sockets.add(sock);
      sock.on("error", () => undefined);
      sock.write('+HI {"v":2}\r\n');
      let buf = "";
      let lines = 0;
      sock.on("data", (d) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf("\r\n")) >= 0) {
          buf = buf.slice(nl + 2);
          sock.write(++lines === 1 ? "+OK\r\n" : "+OK\r\n+OK\r\n");
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          upstream.close(() => r());
        }),
    );
    const router = new Router({ name: "faktory", listenHost: "127.0.0.1", port: 0, holdMs: 5000, log });
    await router.listen();
    cleanups.push(() => router.close());
    router.setTarget({
      host: "127.0.0.1",
      port: (upstream.address() as { port: number }).port,
      epoch: 1,
      id: "pod-1",
    });

    const client = connect({ port: router.port, host: "127.0.0.1" });
    client.on("error", () => undefined);
    cleanups.push(() => void client.destroy());
    const received: string[] = [];
    let buf = "";
    client.on("data", (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf("\r\n")) >= 0) {
        received.push(buf.slice(0, nl));
        buf = buf.slice(nl + 2);
      }
    });
    const closed = new Promise<void>((r) => client.once("close", () => r()));
    await waitFor(() => received.length === 1);
    client.write('HELLO {"hostname":"h","wid":"w1","v":2}\r\n');
    await waitFor(() => received.length === 2);
    client.write('PUSH {"jid":"0123456789ab"}\r\n');
    await closed;
    // The greeting, the HELLO's +OK and the PUSH's +OK; the extra reply was not passed on.
    expect(received).toEqual(['+HI {"v":2}', "+OK", "+OK"]);
    expect(router.stats.protocolErrors).toBe(1);
  });
});

describe("Faktory router reply scanning (stand-in upstream)", () => {
  // A real Faktory's replies usually arrive whole; here every kind of reply the router counts
  // (simple strings, integers, bulk strings, null bulk, errors) arrives cut into 1 to 3 byte reads,
  // for pipelined commands sent in one write. The client must get exactly the replies, in order.
  it("passes on replies cut at any byte, counting each against its command", async () => {
    const replies = [
      "+OK\r\n",
      ":42\r\n",
      "$5\r\nhe\r\no\r\n",
      "$-1\r\n",
      "-ERR nope\r\n",
      "$0\r\n\r\n",
      "+OK\r\n",
    ];
    const sockets = new Set<Socket>();
    const upstream = createServer((sock) => {
      sockets.add(sock);
      sock.setNoDelay(true);
      sock.on("error", () => undefined);
      sock.write('+HI {"v":2}\r\n');
      let buf = "";
      let hello = false;
      let owed: string[] = [];
      let sending = false;
      const drip = async () => {
        if (sending) return;
        sending = true;
        for (let bytes = owed.join(""); bytes.length > 0; bytes = owed.join("")) {
          owed = [];
          for (let i = 0; i < bytes.length;) {
            const n = 1 + (i % 3);
            sock.write(bytes.slice(i, i + n));
            i += n;
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        sending = false;
      };
      sock.on("data", (d) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf("\r\n")) >= 0) {
          buf = buf.slice(nl + 2);
          if (!hello) {
            hello = true;
            sock.write("+OK\r\n");
          } else owed.push(replies[commands++ % replies.length]);
        }
        void drip();
      });
    });
    let commands = 0;
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          upstream.close(() => r());
        }),
    );
    const router = new Router({ name: "faktory", listenHost: "127.0.0.1", port: 0, holdMs: 5000, log });
    await router.listen();
    cleanups.push(() => router.close());
    router.setTarget({
      host: "127.0.0.1",
      port: (upstream.address() as { port: number }).port,
      epoch: 1,
      id: "pod-1",
    });
    const client = connect({ port: router.port, host: "127.0.0.1" });
    client.on("error", () => undefined);
    cleanups.push(() => void client.destroy());
    let received = "";
    client.on("data", (d) => (received += d.toString("latin1")));
    await waitFor(() => received.includes("\r\n"));
    client.write('HELLO {"hostname":"h","wid":"w1","v":2}\r\n');
    await waitFor(() => received.endsWith("+OK\r\n"));
    received = "";
    const expected = [...replies, ...replies].join("");
    // Two rounds of pipelined commands, each round in one write.
    for (let round = 0; round < 2; round++)
      client.write(replies.map((_, i) => `PUSH {"n":${round * replies.length + i}}\r\n`).join(""));
    await waitFor(() => received.length >= expected.length);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toBe(expected);
    expect(router.stats.protocolErrors).toBe(0);
    expect(router.stats.commandsByEpoch).toEqual({ 1: 2 * replies.length });
    expect(client.destroyed).toBe(false);
  });
});

async function waitFor(pred: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("router byte counts", () => {
  it("counts the bytes of open and of closed client connections", async () => {
    const sockets = new Set<Socket>();
    const upstream = createServer((sock) => {
      sockets.add(sock);
      sock.on("error", () => undefined);
      sock.write("hello\n");
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          upstream.close(() => r());
        }),
    );
    const router = new Router({ name: "web", listenHost: "127.0.0.1", port: 0, holdMs: 5000, log });
    await router.listen();
    cleanups.push(() => router.close());
    router.setTarget({
      host: "127.0.0.1",
      port: (upstream.address() as { port: number }).port,
      epoch: 1,
      id: "a",
    });
    const open = async (request: string) => {
      const client = connect({ port: router.port, host: "127.0.0.1" });
      client.on("error", () => undefined);
      cleanups.push(() => void client.destroy());
      let got = "";
      client.on("data", (d: Buffer) => (got += d.toString()));
      client.write(request);
      await waitFor(() => got === "hello\n");
      return client;
    };
    const first = await open("GET /a\r\n");
    const second = await open("GET /bb\r\n");
    // Both open: counted live.
    await waitFor(() => router.snapshot().bytesIn === 17);
    expect(router.snapshot()).toMatchObject({ bytesIn: 17, bytesOut: 12 });
    // One closed: its bytes move into the totals; the sum stays.
    first.destroy();
    await waitFor(() => router.snapshot().active === 1);
    expect(router.snapshot()).toMatchObject({ bytesIn: 17, bytesOut: 12 });
    expect(router.stats).toMatchObject({ bytesIn: 8, bytesOut: 6 });
    second.destroy();
  });
});
