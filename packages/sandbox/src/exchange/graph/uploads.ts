import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Outlook's upload sessions (microsoft.md §5.5): chunks in order, then the attachment is added. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;
const SESSION_LIFETIME_MS = 60 * 60 * 1000;

export interface UploadSession {
  id: string;
  mailbox: string;
  messageId: string;
  name: string;
  size: number;
  contentType: string;
  isInline: boolean;
  contentId?: string;
  expiresAt: number;
  received: number;
  /** Chunks so far; bounded by the 150 MB attachment limit. */
  chunks: Buffer[];
  token: string;
}

export type ChunkResult =
  | { kind: 'partial'; session: UploadSession }
  | { kind: 'complete'; session: UploadSession; content: Buffer };

export class UploadError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  constructor(private readonly now: () => number) {}

  create(init: Omit<UploadSession, 'id' | 'expiresAt' | 'received' | 'chunks' | 'token'>): UploadSession {
    this.sweep();
    const session: UploadSession = {
      ...init, id: randomBytes(16).toString('base64url'), token: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + SESSION_LIFETIME_MS, received: 0, chunks: [],
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session if the URL's authtoken matches (the upload URL is the only credential). */
  get(id: string, token: string): UploadSession | undefined {
    const s = this.sessions.get(id);
    if (!s || s.expiresAt < this.now()) return undefined;
    const a = Buffer.from(s.token);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b) ? s : undefined;
  }

  /** Accept `bytes start-end/total` of the body; chunks must come in order. */
  put(session: UploadSession, contentRange: string | undefined, body: Buffer): ChunkResult {
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((contentRange ?? '').trim());
    if (!m) throw new UploadError(400, 'InvalidContentRange', 'The Content-Range header is missing or malformed: expected bytes {start}-{end}/{total}.');
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (total !== session.size) throw new UploadError(400, 'InvalidContentRange', `The total size ${total} does not match the session's size ${session.size}.`);
    if (start !== session.received || end < start || end >= total) {
      throw new UploadError(416, 'invalidRange', `The uploaded fragment is not the expected range; next expected: ${session.received}-.`);
    }
    if (end - start + 1 !== body.length) throw new UploadError(400, 'InvalidContentRange', 'The Content-Range does not match the length of the body.');
    session.chunks.push(body);
    session.received = end + 1;
    session.expiresAt = this.now() + SESSION_LIFETIME_MS;
    if (session.received < session.size) return { kind: 'partial', session };
    this.sessions.delete(session.id);
    return { kind: 'complete', session, content: Buffer.concat(session.chunks) };
  }

  cancel(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt < now) this.sessions.delete(id);
  }
}
