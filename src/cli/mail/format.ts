import type { Address, MessageSummary } from '../../mail/mailbox.js';
import type { MailAddress, MailMessage } from '../../message/message.js';

export function formatAddress(a: Address | MailAddress): string {
  return a.name && a.address ? `${a.name} <${a.address}>` : (a.address ?? a.name ?? '');
}

/** One line per message: id, date, flags, size, from, subject. */
export function formatSummaryLine(m: MessageSummary): string {
  const date = m.date ? m.date.toISOString().slice(0, 16).replace('T', ' ') : '-'.padEnd(16);
  const flags = `${m.seen === false ? 'N' : ' '}${m.flagged ? 'F' : ' '}${m.hasAttachments ? 'A' : ' '}`;
  const from = (m.from[0] ? formatAddress(m.from[0]) : '').slice(0, 30).padEnd(30);
  return `${m.id.padStart(6)}  ${date}  ${flags}  ${humanSize(m.size).padStart(7)}  ${from}  ${m.subject ?? ''}`;
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A one-line progress bar for a TTY, redrawn in place. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`;
}

/** A parsed message for a terminal: the main headers, the text body, the attachment list. */
export function renderMessage(m: MailMessage): string {
  const addr = (list: MailAddress[]) => list.map(formatAddress).join(', ');
  const lines = [
    `From: ${m.from ? formatAddress(m.from) : ''}`,
    `To: ${addr(m.to)}`,
    ...(m.cc.length ? [`Cc: ${addr(m.cc)}`] : []),
    `Date: ${m.date ? m.date.toISOString() : ''}`,
    `Subject: ${m.subject}`,
    ...m.attachments.map((a) => `Attachment: ${a.filename ?? '(unnamed)'} (${a.contentType}, ${humanSize(a.size)})`),
    '',
    m.text ?? (m.html ? '(HTML only: use --json or --raw to see it)' : ''),
  ];
  return lines.join('\n');
}
