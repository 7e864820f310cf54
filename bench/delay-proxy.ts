import { spawn } from 'node:child_process';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A loopback TCP relay that holds every chunk for `oneWayMs` in each direction, so a server on
 * this machine answers as if it were a WAN round trip (2 × oneWayMs) away: how far Exchange
 * Online is from a customer's network. Bytes pass untouched (TLS stays end to end); chunks keep
 * their order because timers of equal delay fire in the order they were set.
 */
export async function startDelayProxy(
  target: { host: string; port: number },
  oneWayMs: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const delayed = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, oneWayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), oneWayMs));
  };
  const server: Server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = createConnection(target);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    delayed(client, upstream);
    delayed(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The same relay in a process of its own. In the benchmark's process its timers would wait
 * whenever the client under test is busy (e.g. submitting a burst to the gateway), which would
 * charge the client's CPU to the network's round trip.
 */
export async function startDelayProxyProcess(
  target: { host: string; port: number },
  oneWayMs: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), target.host, String(target.port), String(oneWayMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`the delay relay exited (${code}) before listening`)));
    createInterface({ input: proc.stdout }).once('line', (line) => resolve(Number(line)));
  });
  return {
    port,
    close: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.stdin.end();
      await exited;
    },
  };
}

// As a script: relay to HOST:PORT, print the listening port, stop when stdin closes.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [host, port, oneWayMs] = process.argv.slice(2) as [string, string, string];
  const relay = await startDelayProxy({ host, port: Number(port) }, Number(oneWayMs));
  process.stdout.write(`${relay.port}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void relay.close().then(() => process.exit(0)));
}
