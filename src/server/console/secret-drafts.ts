import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import { Secret } from '../../secret.js';
import { SESSION_COOKIE } from '../sessions.js';
import type { ConsoleKit } from './plugin.js';
import type { FormValues } from './resource-form.js';

/** Long enough to fix a typo and send again; short enough that a forgotten tab keeps nothing. */
const DRAFT_TTL_MS = 10 * 60_000;
const MAX_DRAFTS = 200;

/**
 * A client secret typed into a form that the server then refused (a wrong tenant, a taken name):
 * kept here, in memory, for the same console session, so the person does not type it again,
 * while the page only carries an opaque id (a secret is never written into a page). Used once:
 * taking a draft removes it.
 */
export class SecretDrafts {
  readonly #drafts = new Map<string, { secret: Secret; session: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Keeps `secret` for `session`; returns the id the form carries. */
  keep(secret: Secret, session: string): string {
    this.#forgetExpired();
    if (this.#drafts.size >= MAX_DRAFTS) this.#drafts.delete(this.#drafts.keys().next().value as string);
    const id = randomBytes(18).toString('base64url');
    this.#drafts.set(id, { secret, session, expiresAt: this.#now() + DRAFT_TTL_MS });
    return id;
  }

  /** The kept secret for this id and session (and forgets it), or undefined. */
  take(id: string | undefined, session: string): Secret | undefined {
    if (!id) return undefined;
    const d = this.#drafts.get(id);
    if (!d || d.session !== session || d.expiresAt <= this.#now()) return undefined;
    this.#drafts.delete(id);
    return d.secret;
  }

  #forgetExpired(): void {
    const now = this.#now();
    for (const [id, d] of this.#drafts) if (d.expiresAt <= now) this.#drafts.delete(id);
  }
}

/** The session a console request belongs to (the kit's routes only run with a valid one). */
export function sessionOf(req: FastifyRequest): string {
  return req.cookies[SESSION_COOKIE] ?? '';
}

/** The secret typed now, or the one kept from the last try when the field was left empty. */
export function takeSecret(kit: ConsoleKit, req: FastifyRequest, body: FormValues): Secret | undefined {
  const kept = kit.drafts.take(body.secretDraft, sessionOf(req));
  if (body.clientSecret) return new Secret(body.clientSecret);
  return kept;
}

/** Keeps a typed secret for the next try of the same session: the page gets its id only. */
export function keepSecret(kit: ConsoleKit, req: FastifyRequest, secret: Secret | undefined): { secretKept?: string } {
  return secret ? { secretKept: kit.drafts.keep(secret, sessionOf(req)) } : {};
}

export function withoutSecret(body: FormValues): FormValues {
  const { clientSecret: _secret, secretDraft: _draft, _csrf, ...rest } = body;
  return rest;
}

export function fieldOf(e: unknown): string | undefined {
  return isMailbridgeError(e) ? e.field : undefined;
}
