import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { Gauge } from '../metrics.js';
import { errorAnswers, json } from '../schemas/common.js';

const started = Date.now();

/** GET /health (public: is the service up and its store readable) and GET /metrics (Prometheus text). */
export function healthRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/health',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['health'],
          operationId: 'getHealth',
          summary: 'Check health',
          security: [],
          description: 'Liveness and a store check; no authentication.',
          response: {
            200: json(
              'Up, and the store answers.',
              z
                .object({ status: z.literal('ok'), uptimeSeconds: z.number() })
                .meta({ example: { status: 'ok', uptimeSeconds: 3600 } }),
            ),
            ...errorAnswers({}, { authenticated: false }),
          },
        },
      },
      async () => {
        await ctx.store.listResources();
        return { status: 'ok' as const, uptimeSeconds: Math.round((Date.now() - started) / 1000) };
      },
    );

    app.get(
      '/metrics',
      {
        config: { auth: 'key-or-session' },
        schema: {
          tags: ['health'],
          operationId: 'getMetrics',
          security: [{ apiKey: [] }, { consoleSession: [] }],
          summary: 'Get metrics',
          description:
            'Prometheus text metrics: requests by route and status, resources by refresh token status, triggers. ' +
            'An API key or a console login.',
          response: {
            200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: z.string() } } },
            ...errorAnswers(),
          },
        },
      },
      async (_req, reply) => {
        const gauges: Gauge[] = [];
        const resources = await ctx.store.listResources();
        const byStatus = new Map<string, number>();
        for (const r of resources) {
          const s = (await ctx.store.getTokenState(r.name))?.status ?? 'Missing';
          byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
        }
        gauges.push({
          name: 'mailbridge_resources',
          help: 'resources by refresh token status',
          samples: [...byStatus].map(([status, value]) => ({ labels: { status }, value })),
        });
        const triggers = ctx.runner.status();
        gauges.push(
          {
            name: 'mailbridge_trigger_up',
            help: "1 when the trigger's watcher runs, 0 when paused or stopped",
            samples: triggers.map((t) => ({
              labels: { trigger: t.trigger, state: t.state },
              value: t.state === 'paused' || t.state === 'stopped' ? 0 : 1,
            })),
          },
          {
            name: 'mailbridge_trigger_delivered_total',
            help: 'messages delivered by the trigger in this process',
            type: 'counter',
            samples: triggers.map((t) => ({ labels: { trigger: t.trigger }, value: t.delivered })),
          },
          {
            name: 'mailbridge_trigger_dead_total',
            help: 'messages the trigger put on its dead-letter list in this process',
            type: 'counter',
            samples: triggers.map((t) => ({ labels: { trigger: t.trigger }, value: t.dead })),
          },
          {
            name: 'mailbridge_uptime_seconds',
            help: 'seconds since the service started',
            samples: [{ value: Math.round((Date.now() - started) / 1000) }],
          },
        );
        return reply.type('text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.render(gauges));
      },
    );
  };
}
