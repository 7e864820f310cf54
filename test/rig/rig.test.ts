/**
 * The rig itself: Dovecot takes exactly the tokens the identity emulator vouches for. Raw
 * IMAP over TLS with SASL XOAUTH2 (imapflow would pick OAUTHBEARER), so this checks the
 * servers, not our client code.
 */
import assert from 'node:assert/strict';
import { connect, type TLSSocket } from 'node:tls';
import { before, test } from 'node:test';
import { xoauth2Initial } from '../../src/protocols/sasl.js';
import type { Secret } from '../../src/secret.js';
import { loadRig, OUTLOOK, type Rig } from '../helpers/rig.js';

let rig: Rig;
before(() => {
  rig = loadRig();
});

/** Reads until a line starting with `tag ` arrives; returns that line. */
function readTagged(socket: TLSSocket, tag: string, onContinuation?: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (line.startsWith('+ ') || line === '+') onContinuation?.();
        if (line.startsWith(`${tag} `)) {
          socket.off('data', onData);
          resolve(line);
        }
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

async function imapXoauth2(user: string, token: Secret): Promise<string> {
  const socket = connect({ host: rig.imap.host, port: rig.imap.port, ca: [rig.caPem], servername: 'localhost' });
  try {
    await readTagged(socket, '*');
    const done = readTagged(socket, 'A1', () => socket.write('\r\n'));
    socket.write(`A1 AUTHENTICATE XOAUTH2 ${xoauth2Initial(user, token)}\r\n`);
    return await done;
  } finally {
    socket.destroy();
  }
}

test('IMAPS accepts an emulator token over XOAUTH2 for a fresh mailbox', async () => {
  const user = rig.uniqueMailbox();
  assert.match(await imapXoauth2(user, await rig.mintToken(user)), /^A1 OK/);
});

test('an expired token is refused (the emulator introspects it inactive)', async () => {
  const user = rig.uniqueMailbox();
  const reply = await imapXoauth2(user, await rig.mintToken(user, OUTLOOK, undefined, { expiresInSeconds: -60 }));
  assert.match(reply, /^A1 NO \[AUTHENTICATIONFAILED\]/);
});

test('a token is refused once the user is revoked', async () => {
  const user = rig.uniqueMailbox();
  const token = await rig.mintToken(user);
  assert.match(await imapXoauth2(user, token), /^A1 OK/);
  await rig.revokeUser(user);
  assert.match(await imapXoauth2(user, token), /^A1 NO \[AUTHENTICATIONFAILED\]/);
});

test('a token for another user is refused', async () => {
  const user = rig.uniqueMailbox();
  const other = rig.uniqueMailbox();
  assert.match(await imapXoauth2(user, await rig.mintToken(other)), /^A1 NO/);
});

test('mail injected over LMTP lands in the mailbox and doveadm sees it', async () => {
  const user = rig.uniqueMailbox();
  await rig.deliver(user, 'Subject: hello\r\n\r\nbody\r\n');
  assert.equal(await rig.countMessages(user), 1);
});

