import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SANDBOX, startExchangeSandbox, startIdentityEmulator } from '@mailbridge/sandbox';
import { raw, sizes } from './fetch.js';

/**
 * The sandbox (identity emulator + Exchange) in a process of its own for bench/fetch-sandbox.ts,
 * so its CPU is measured apart from the client's: `node --import tsx bench/sandbox-child.ts COUNT DIR`.
 * Seeds one mailbox with COUNT messages of bench/fetch.ts's 1 KB–1 MB mix, writes the CA to
 * DIR/ca.pem, prints the endpoints as one JSON line, then answers lines on stdin:
 * `cpu` → its process.cpuUsage(); `prof-start` / `prof-stop FILE` → a CPU profile of the span
 * between them written to FILE (node:inspector, so one profile per measured run).
 */
const [countArg, dir] = process.argv.slice(2) as [string, string];
const count = Number(countArg);
const identity = await startIdentityEmulator();
const exchange = await startExchangeSandbox({ identity });
// Exchange Online admits only allow-listed apps to EWS; the bench's app is the sandbox app.
exchange.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [SANDBOX.confidentialClientId] });
const user = `bench@${SANDBOX.tenantDomain}`;
identity.admin.upsertUser({ username: user, password: SANDBOX.password });
exchange.admin.createMailbox(user);
const inbox = exchange.context.store.mailbox(user)?.folder('inbox');
if (!inbox) throw new Error(`no inbox for ${user}`);
let bytes = 0;
const all = sizes(count);
const start = Date.now() - count * 1000;
for (const [i, size] of all.entries()) {
  const source = Buffer.from(raw(i, size));
  bytes += source.length;
  // One second apart: Exchange orders by receive time, so the order is certain.
  await inbox.append(source, { receivedAt: start + i * 1000 });
}
const caFile = join(dir, 'ca.pem');
await writeFile(caFile, exchange.caPem);
process.stdout.write(
  `${JSON.stringify({
    identityUrl: identity.url,
    host: exchange.host,
    imap: exchange.imap.port,
    pop3s: exchange.pop3.tlsPort,
    smtp: exchange.smtp.port,
    ews: exchange.ews.url,
    graph: exchange.graph.url,
    caFile,
    user,
    count,
    bytes,
  })}\n`,
);

const inspector = new Session();
inspector.connect();
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'cpu') {
    process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`);
  } else if (cmd === 'prof-start') {
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    process.stdout.write('{}\n');
  } else if (cmd === 'prof-stop' && arg) {
    const { profile } = await inspector.post('Profiler.stop');
    await writeFile(arg, JSON.stringify(profile));
    process.stdout.write('{}\n');
  } else if (cmd === 'quit') {
    break;
  }
}
inspector.disconnect();
await exchange.close();
await identity.close();
process.exit(0);
