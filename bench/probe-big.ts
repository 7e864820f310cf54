/** Delivers bench/memory.ts's 200 MiB message to a new mailbox of the rig and prints the user (for memory-child.ts). */
import nodemailer from 'nodemailer';
import { loadRig } from '../test/helpers/rig.js';
import { bigMessage } from './memory.js';

const rig = loadRig();
const user = rig.uniqueMailbox();
await rig.mintToken(user);
const lmtp = nodemailer.createTransport({ host: rig.host, port: rig.lmtpPort, lmtp: true, tls: { ca: [rig.caPem], servername: 'localhost' } });
await lmtp.sendMail({ envelope: { from: 'a@contoso.onmicrosoft.com', to: [user] }, raw: bigMessage() });
lmtp.close();
process.stdout.write(`${user}\n`);
process.exit(0);
