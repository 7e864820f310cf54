import type { FastifyPluginAsync } from 'fastify';
import type { ServerContext } from '../context.js';
import type { Gauge } from '../metrics.js';
import { errorResponses } from '../schema.js';

const started = Date.now();

/** GET /health (public: is the service up and its store readable) and GET /metrics (Prometheus text). */
export function healthRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', {
      config: { auth: 'public' },
      schema: {
        tags: ['health'], summary: 'liveness and store check (no authentication)', security: [],
        response: { 200: { type: 'object', properties: { status: { type: 'string' }, uptimeSeconds: { type: 'number' } } }, ...errorResponses },
      },
    }, async () => {
      await ctx.store.listResources();
      return { status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) };
    });

    app.get('/metrics', {
      config: { auth: 'key-or-session' },
      schema: { tags: ['health'], summary: 'Prometheus text metrics', produces: ['text/plain'] },
    }, async (_req, reply) => {
      const gauges: Gauge[] = [];
      const resources = await ctx.store.listResources();
      const byStatus = new Map<string, number>();
      for (const r of resources) {
        const s = (await ctx.store.getTokenState(r.name))?.status ?? 'Missing';
        byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
      }
      gauges.push({ name: 'mailbridge_resources', help: 'resources by refresh token status',
        samples: [...byStatus].map(([status, value]) => ({ labels: { status }, value })) });
      const triggers = ctx.runner.status();
      gauges.push(
        { name: 'mailbridge_trigger_up', help: '1 when the trigger\'s watcher runs, 0 when paused or stopped',
          samples: triggers.map((t) => ({ labels: { trigger: t.trigger, state: t.state }, value: t.state === 'paused' || t.state === 'stopped' ? 0 : 1 })) },
        { name: 'mailbridge_trigger_delivered_total', help: 'messages delivered by the trigger in this process', type: 'counter',
          samples: triggers.map((t) => ({ labels: { trigger: t.trigger }, value: t.delivered })) },
        { name: 'mailbridge_trigger_dead_total', help: 'messages the trigger put on its dead-letter list in this process', type: 'counter',
          samples: triggers.map((t) => ({ labels: { trigger: t.trigger }, value: t.dead })) },
        { name: 'mailbridge_uptime_seconds', help: 'seconds since the service started', samples: [{ value: Math.round((Date.now() - started) / 1000) }] },
      );
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.render(gauges));
    });
  };
}
