import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ExchangeContext } from '../contract.js';
import { buildGraphApp } from './server.js';
import type { GraphState } from './state.js';
import { Subscriptions } from './subscriptions.js';
import { MailboxConcurrency, type GraphServerEvents } from './throttle.js';
import { UploadSessions } from './uploads.js';

export type { GraphServerEvents } from './throttle.js';

export interface GraphServer {
  /** `https://localhost:PORT`; routes live under `${url}/v1.0/`. */
  url: string;
  /** `admitted` fires when a request passes auth and the concurrency gate (tests await it). */
  events: EventEmitter<GraphServerEvents>;
  close(): Promise<void>;
}

/** Start the Microsoft Graph v1.0 endpoint of the Exchange sandbox over HTTPS. */
export async function startGraphServer(ctx: ExchangeContext, opts: { host: string; port: number }): Promise<GraphServer> {
  const events = new EventEmitter<GraphServerEvents>();
  const state: GraphState = {
    ctx,
    aliases: new Map(),
    concurrency: new MailboxConcurrency(events),
    events,
    uploads: new UploadSessions(ctx.now),
    // The context's own when it has one (the admin API reaches them there), else one of this server's.
    subscriptions: ctx.graphSubscriptions ?? new Subscriptions(ctx.now),
  };
  const app = buildGraphApp(state);
  await app.listen({ host: opts.host, port: opts.port });
  const { port } = app.server.address() as AddressInfo;
  return {
    // The sandbox certificate names localhost, whichever loopback address we bound.
    url: `https://localhost:${port}`,
    events,
    async close() {
      await state.subscriptions.close();
      await app.close();
    },
  };
}
