import type { Folder, SandboxMailbox } from '../contract.js';
import { nonMailFolders } from './non-mail.js';

/**
 * Mailbox names on the wire are modified UTF-7 (RFC 3501 §5.1.3), as Exchange sends them;
 * the store keeps Unicode paths with "/" separators.
 */
export function encodeMailboxName(name: string): string {
  return name.replace(/&/g, '&-').replace(/[^\x20-\x7e]+/g, (run) => {
    const utf16 = Buffer.from(run, 'utf16le').swap16();
    return `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
  });
}

export function decodeMailboxName(name: string): string {
  return name.replace(/&([^-]*)-/g, (_, b64: string) => {
    if (b64 === '') return '&';
    const buf = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    return buf.subarray(0, buf.length - (buf.length % 2)).swap16().toString('utf16le');
  });
}

/** The folder a client's mailbox name names: INBOX in any case, other names case-insensitively, as Exchange. */
export function findFolder(mailbox: SandboxMailbox, wireName: string): Folder | undefined {
  const wanted = normalise(decodeMailboxName(wireName));
  return imapFolders(mailbox).find((f) => normalise(f.path) === wanted);
}

/** What IMAP shows: the store's mail folders, then the non-mail ones no mail folder shadows. */
export function imapFolders(mailbox: SandboxMailbox): readonly Folder[] {
  const mail = mailbox.folders();
  const taken = new Set(mail.map((f) => normalise(f.path)));
  return [...mail, ...nonMailFolders(mailbox).filter((f) => !taken.has(normalise(f.path)))];
}

function normalise(path: string): string {
  const p = path.replace(/\/+$/, '');
  return /^inbox(\/|$)/i.test(p) ? `INBOX${p.slice(5)}`.toLowerCase() : p.toLowerCase();
}
