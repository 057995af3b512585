import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy a test can cut: `down()` drops every connection and
 * refuses new ones (what clients see while PostgreSQL restarts), `up()`
 * accepts again on the same port. The shared server behind it is never
 * touched.
 */
export interface TcpProxy {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Stop forwarding what clients send (connections stay open): the server seems hung. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let paused = false;
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection({ host, port: targetPort });
        sockets.add(client);
        sockets.add(upstream);
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        const drop = () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        if (!paused) client.pipe(upstream);
        else client.pause();
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, host, () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const down = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    down,
    up: listen,
    pause() {
      paused = true;
      for (const [c, u] of pairs) {
        c.unpipe(u);
        c.pause();
      }
    },
    resume() {
      paused = false;
      for (const [c, u] of pairs) {
        c.pipe(u);
        c.resume();
      }
    },
    close: down,
  };
}
