import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

const BATCH = 64 * 1024;

/**
 * Send a message as a POP3 multi-line response body: dot-stuffed (RFC 1939 §3), CRLF endings,
 * then the terminating ".". Streamed with backpressure, so a 25 MB message never sits in memory.
 * `bodyLines` limits the body (TOP); `dropAfter` cuts the connection after that many bytes (fault).
 */
export async function sendMessage(socket: Socket, source: Readable, opts: { bodyLines?: number; dropAfter?: number } = {}): Promise<'sent' | 'dropped'> {
  let out: Buffer[] = [];
  let outLen = 0;
  let written = 0;
  let inBody = false;
  let bodyCount = 0;
  let carry = Buffer.alloc(0);
  let done = false;

  const flush = async (): Promise<boolean> => {
    if (outLen === 0) return true;
    let data = Buffer.concat(out, outLen);
    out = [];
    outLen = 0;
    if (opts.dropAfter !== undefined && written + data.length >= opts.dropAfter) {
      data = data.subarray(0, Math.max(0, opts.dropAfter - written));
      socket.write(data);
      socket.destroy();
      return false;
    }
    written += data.length;
    if (!socket.write(data)) await new Promise<void>((resolve) => {
      const go = () => {
        socket.off('close', go);
        socket.off('drain', go);
        resolve();
      };
      socket.once('drain', go);
      socket.once('close', go);
    });
    return !socket.destroyed;
  };

  const line = (l: Buffer): void => {
    if (done) return;
    const content = l.subarray(0, l.length - (l[l.length - 1] === 10 ? (l[l.length - 2] === 13 ? 2 : 1) : 0));
    if (inBody && opts.bodyLines !== undefined && bodyCount >= opts.bodyLines) {
      done = true;
      return;
    }
    if (content.length > 0 && content[0] === 0x2e) out.push(Buffer.from('.'));
    out.push(content, Buffer.from('\r\n'));
    outLen += content.length + 2 + (content.length > 0 && content[0] === 0x2e ? 1 : 0);
    if (inBody) bodyCount++;
    else if (content.length === 0) inBody = true;
  };

  for await (const chunk of source as AsyncIterable<Buffer>) {
    let data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0 && !done; nl = data.indexOf(10, start)) {
      line(data.subarray(start, nl + 1));
      start = nl + 1;
    }
    carry = done ? Buffer.alloc(0) : Buffer.from(data.subarray(start));
    data = Buffer.alloc(0);
    if (outLen >= BATCH && !(await flush())) {
      source.destroy();
      return 'dropped';
    }
    if (done) {
      source.destroy();
      break;
    }
  }
  if (carry.length > 0) line(carry);
  out.push(Buffer.from('.\r\n'));
  outLen += 3;
  return (await flush()) ? 'sent' : 'dropped';
}
