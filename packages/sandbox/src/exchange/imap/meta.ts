import type { Folder, StoredMessage } from '../contract.js';
import { buildBodyStructure, lineCounter } from './mime/bodystructure.js';
import { buildEnvelope } from './mime/envelope.js';
import { walkMime, type MimeNode } from './mime/walker.js';
import type { ImapValue } from './wire/formatter.js';

/** What FETCH needs from a message's MIME structure, computed once per message. */
export interface MessageMeta {
  root: MimeNode;
  envelope: ImapValue;
  bodyStructure: ImapValue;
  body: ImapValue;
}

/**
 * A bounded cache of walked messages, shared by all sessions: a message's bytes never change
 * (only its flags), so its structure is computed once; entries hold offsets, not bytes.
 */
export class MetaCache {
  readonly #entries = new Map<string, MessageMeta>();
  readonly #max: number;

  constructor(max = 2000) {
    this.#max = max;
  }

  async get(folder: Folder, message: StoredMessage): Promise<MessageMeta> {
    const hit = this.#entries.get(message.id);
    if (hit) {
      // Refresh its place in the LRU order.
      this.#entries.delete(message.id);
      this.#entries.set(message.id, hit);
      return hit;
    }
    const raw = await folder.read(message.uid);
    const meta = describe(raw);
    this.#entries.set(message.id, meta);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return meta;
  }
}

export function describe(raw: Buffer): MessageMeta {
  const root = walkMime(raw);
  const lines = lineCounter(raw);
  return {
    root,
    envelope: buildEnvelope(root.headers),
    bodyStructure: buildBodyStructure(root, lines, true),
    body: buildBodyStructure(root, lines, false),
  };
}
