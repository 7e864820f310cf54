import { lookup } from 'node:dns/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { mailProxyFor } from '../net/proxy.js';
import { openTunnel } from '../net/tunnel.js';
import type { Resource } from '../config/resource.js';

/**
 * A bare protocol probe for the doctor: greeting, capabilities, STARTTLS and the SASL
 * mechanisms offered, without logging in. It speaks just enough IMAP (RFC 3501), POP3
 * (RFC 2449 CAPA, RFC 2595 STLS) and SMTP (RFC 5321 EHLO, RFC 3207) to see what the
 * server offers before credentials are involved, which the client libraries do not expose.
 */
export type ProbeProtocol = 'imap' | 'pop3' | 'smtp';

export interface ProbeResult {
  address: string;
  greeting: string;
  /** Capabilities after TLS (the ones that matter for login). */
  capabilities: string[];
  /** SASL mechanisms offered after TLS, upper case. */
  mechanisms: string[];
  tls: { protocol: string; cipher: string; subject: string; issuer: string; validTo: string; authorized: boolean };
}

const TIMEOUT_MS = 10_000;

export async function resolveHost(host: string): Promise<string> {
  return (await lookup(host)).address;
}

/** Probes resource.server; throws the socket/TLS error as is (the caller maps it). */
export async function probeServer(resource: Resource, protocol: ProbeProtocol, tlsOptions: ConnectionOptions): Promise<ProbeResult> {
  const { host, port, secure } = resource.server;
  // Through a proxy the proxy resolves the name (this machine may have no outside DNS at all).
  const proxy = mailProxyFor(resource);
  const address = proxy ? `via the proxy ${proxy.display}` : await resolveHost(host);
  const tunnel = proxy ? await openTunnel(proxy, host, port, { timeoutMs: TIMEOUT_MS }) : undefined;
  let socket: Socket | TLSSocket = secure === 'tls'
    ? await openTls({ ...tlsOptions, host, port, ...(tunnel ? { socket: tunnel } : {}) })
    : (tunnel ?? await openPlain(host, port));
  const reader = new LineReader(socket);
  try {
    const greeting = await readGreeting(reader, protocol);
    let caps = await capabilities(reader, protocol);
    if (secure === 'starttls') {
      await startTls(reader, protocol);
      reader.detach();
      socket = await openTls({ ...tlsOptions, socket });
      reader.attach(socket);
      caps = await capabilities(reader, protocol);
    }
    const tlsSocket = socket as TLSSocket;
    const cert: PeerCertificate = tlsSocket.getPeerCertificate?.() ?? ({} as PeerCertificate);
    return {
      address,
      greeting,
      capabilities: caps,
      mechanisms: mechanismsOf(protocol, caps),
      tls: {
        protocol: tlsSocket.getProtocol?.() ?? 'none',
        cipher: tlsSocket.getCipher?.().name ?? 'none',
        subject: firstOf(cert.subject?.CN),
        issuer: firstOf(cert.issuer?.CN),
        validTo: cert.valid_to ?? '',
        authorized: tlsSocket.authorized === true,
      },
    };
  } finally {
    socket.destroy();
  }
}

function firstOf(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

export function mechanismsOf(protocol: ProbeProtocol, caps: string[]): string[] {
  const out = new Set<string>();
  for (const c of caps) {
    const u = c.toUpperCase();
    if (protocol === 'imap' && u.startsWith('AUTH=')) out.add(u.slice(5));
    if (protocol === 'pop3' && u.startsWith('SASL ')) u.slice(5).split(/\s+/).forEach((m) => out.add(m));
    if (protocol === 'smtp' && /^AUTH[ =]/.test(u)) u.slice(5).split(/\s+/).filter(Boolean).forEach((m) => out.add(m));
  }
  return [...out];
}

function openPlain(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port, timeout: TIMEOUT_MS });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
    s.once('timeout', () => s.destroy(Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })));
  });
}

function openTls(options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ ...options, timeout: TIMEOUT_MS });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
    s.once('timeout', () => s.destroy(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' })));
  });
}

async function readGreeting(r: LineReader, protocol: ProbeProtocol): Promise<string> {
  if (protocol === 'smtp') return (await r.smtpReply()).join(' ');
  return r.line();
}

async function capabilities(r: LineReader, protocol: ProbeProtocol): Promise<string[]> {
  if (protocol === 'imap') {
    r.write('P1 CAPABILITY');
    const caps: string[] = [];
    for (;;) {
      const line = await r.line();
      if (line.startsWith('* CAPABILITY ')) caps.push(...line.slice('* CAPABILITY '.length).split(' '));
      else if (line.startsWith('P1 ')) return caps;
    }
  }
  if (protocol === 'pop3') {
    r.write('CAPA');
    const first = await r.line();
    if (!first.startsWith('+OK')) return [];
    const caps: string[] = [];
    for (let line = await r.line(); line !== '.'; line = await r.line()) caps.push(line);
    return caps;
  }
  r.write('EHLO mailbridge-doctor');
  return (await r.smtpReply()).slice(1);
}

async function startTls(r: LineReader, protocol: ProbeProtocol): Promise<void> {
  let reply: string;
  if (protocol === 'imap') {
    r.write('P2 STARTTLS');
    do reply = await r.line(); while (!reply.startsWith('P2 '));
    if (!reply.startsWith('P2 OK')) throw new Error(`STARTTLS refused: ${reply}`);
  } else if (protocol === 'pop3') {
    r.write('STLS');
    reply = await r.line();
    if (!reply.startsWith('+OK')) throw new Error(`STLS refused: ${reply}`);
  } else {
    r.write('STARTTLS');
    reply = (await r.smtpReply())[0] ?? '';
    if (!reply.startsWith('220')) throw new Error(`STARTTLS refused: ${reply}`);
  }
}

/** CRLF lines from a socket, re-attachable across the STARTTLS switch. */
class LineReader {
  #socket: Socket | undefined;
  #buffer = '';
  #waiting: { resolve: (l: string) => void; reject: (e: Error) => void } | undefined;
  #failure: Error | undefined;
  readonly #onData = (chunk: Buffer) => {
    this.#buffer += chunk.toString('latin1');
    this.#deliver();
  };
  readonly #onEnd = () => this.#fail(Object.assign(new Error('the server closed the connection'), { code: 'ECONNRESET' }));
  readonly #onError = (e: Error) => this.#fail(e);

  constructor(socket: Socket) {
    this.attach(socket);
  }

  attach(socket: Socket): void {
    this.#socket = socket;
    socket.on('data', this.#onData).on('end', this.#onEnd).on('error', this.#onError);
  }

  detach(): void {
    this.#socket?.off('data', this.#onData).off('end', this.#onEnd).off('error', this.#onError);
    this.#socket = undefined;
  }

  write(line: string): void {
    this.#socket?.write(`${line}\r\n`);
  }

  line(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      this.#waiting = { resolve, reject };
      const timer = setTimeout(() => this.#fail(Object.assign(new Error('the server did not answer'), { code: 'ETIMEDOUT' })), TIMEOUT_MS);
      const done = this.#waiting;
      this.#waiting = {
        resolve: (l) => { clearTimeout(timer); done.resolve(l); },
        reject: (e) => { clearTimeout(timer); done.reject(e); },
      };
      this.#deliver();
    });
  }

  /** A multi-line SMTP reply (`250-…` … `250 …`), one entry per line without the code. */
  async smtpReply(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line();
      lines.push(lines.length === 0 ? line : line.slice(4));
      if (!/^\d{3}-/.test(line)) return lines;
    }
  }

  #deliver(): void {
    const i = this.#buffer.indexOf('\n');
    if (i < 0 || !this.#waiting) return;
    const line = this.#buffer.slice(0, i).replace(/\r$/, '');
    this.#buffer = this.#buffer.slice(i + 1);
    const w = this.#waiting;
    this.#waiting = undefined;
    w.resolve(line);
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.reject(e);
  }
}
