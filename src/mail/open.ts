import type { TokenManager } from '../auth/token-manager.js';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import { CLOUD_HOSTS } from '../config/clouds.js';
import type { Resource } from '../config/resource.js';
import { ConfigError, nameResourceInHint, UnsupportedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { openEwsMailbox } from './ews-mailbox.js';
import { openGraphMailbox } from './graph-mailbox.js';
import { createImapMailbox } from './imap-mailbox.js';
import type { Mailbox } from './mailbox.js';
import { createPop3Mailbox } from './pop3-mailbox.js';
import { createSmtpMailbox } from './smtp-mailbox.js';

/** Options of {@link openMailbox}. */
export interface OpenMailboxOptions {
  /** The resource, or its name in the store. */
  resource: string | Resource;
  /** Where the resource, its secrets and tokens are. */
  store: Store;
  /** Hands out access tokens for OAuth 2.0 resources. */
  tokens: TokenManager;
  logger?: Logger;
}

/**
 * The Mailbox for a resource, by its kind: imap, pop3, ews and graph receive; smtp, ews and graph send.
 * @throws ConfigError `RESOURCE_NOT_FOUND` when no resource has that name.
 * @throws UnsupportedError `MAIL_AUTH_UNSUPPORTED` when the resource does not use OAuth 2.0.
 * @example
 * ```ts
 * const mailbox = await openMailbox({ resource: 'inbox', store, tokens });
 * try {
 *   for (const m of await mailbox.list({ filter: { unseen: true }, limit: 10 })) console.log(m.subject);
 * } finally {
 *   await mailbox.close();
 * }
 * ```
 */
export async function openMailbox(o: OpenMailboxOptions): Promise<Mailbox> {
  const resource = typeof o.resource === 'string' ? await o.store.getResource(o.resource) : o.resource;
  if (!resource) {
    throw new ConfigError({
      code: 'RESOURCE_NOT_FOUND',
      message: `no resource named "${String(o.resource)}"`,
      hint: 'list them with `mailbridge resource list`, or add one with `mailbridge resource add`',
      field: 'resource',
    });
  }
  if (resource.authType !== 'oauth2') {
    throw new UnsupportedError({
      code: 'MAIL_AUTH_UNSUPPORTED',
      message: `resource ${resource.name} uses ${resource.authType} authentication; mail operations need OAuth 2.0`,
      hint: 'set the resource\'s authType to oauth2 (Exchange Online has no basic authentication for IMAP/POP)',
      field: 'authType',
    });
  }
  const common = { resource, tokens: o.tokens.provider(resource.name), ...(o.logger ? { logger: o.logger } : {}) };
  try {
    return namingResourceInErrors(await openByKind(o.tokens, resource, common), resource.name);
  } catch (e) {
    throw nameResourceInHint(e, resource.name);
  }
}

async function openByKind(tokens: TokenManager, resource: Resource, common: {
  resource: Resource; tokens: AccessTokenProvider; logger?: Logger;
}): Promise<Mailbox> {
  switch (resource.kind) {
    case 'imap': return createImapMailbox(common);
    case 'pop3': return createPop3Mailbox(common);
    case 'smtp': return createSmtpMailbox({ ...common, ...(resource.graphFallback ? { graphTokens: graphTokens(tokens, resource) } : {}) });
    case 'ews': return openEwsMailbox(common);
    case 'graph': return openGraphMailbox(common);
  }
}

/**
 * Every operation's errors with the resource's name in their hints (protocol and Graph
 * errors are built without it): one wrapper here instead of the name threaded through
 * every backend. Methods keep their `this`; non-functions pass through.
 */
function namingResourceInErrors<M extends object>(mailbox: M, name: string): M {
  return new Proxy(mailbox, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch((e: unknown) => { throw nameResourceInHint(e, name); }) : result;
        } catch (e) {
          throw nameResourceInHint(e, name);
        }
      };
    },
  });
}

/**
 * Graph tokens from an smtp resource's own refresh token, for its Graph fallback: a refresh
 * token serves every resource the user consented to, so this needs Graph's Mail.Send in the consent.
 */
export function graphTokens(tokens: TokenManager, resource: Resource): AccessTokenProvider {
  const audience = `https://${CLOUD_HOSTS[resource.cloud ?? 'global'].graph}`;
  return {
    getAccessToken: async (opts = {}) => (await tokens.getAccessToken(resource.name, { audience, ...(opts.forceRefresh ? { forceRefresh: true } : {}) })).token,
  };
}
