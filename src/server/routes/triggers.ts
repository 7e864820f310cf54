import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { ConfigError } from '../../errors.js';
import { formatAfterAction } from '../../mail/mailbox.js';
import { Secret } from '../../secret.js';
import type { TriggerRecord } from '../../store/store.js';
import { checkTriggerHostAccess } from '../../services/host-access.js';
import { parseTriggerDefinition, triggerDefinitionSchema } from '../../triggers/definition.js';
import { saveTrigger } from '../../triggers/save.js';
import type { ServerContext } from '../context.js';
import { anyObject, errorResponses, fromZod, nameParam, zodValidated } from '../schema.js';

const triggerBody = fromZod(triggerDefinitionSchema, {
  secret: { type: 'string', minLength: 16, description: 'webhook signing secret; generated and returned once when absent' },
});

/** /api/triggers: CRUD, pause/resume, history (dead letters), replay. */
export function triggerRoutes(ctx: ServerContext): FastifyPluginAsync {
  const view = (t: TriggerRecord): Record<string, unknown> => {
    const live = ctx.runner.status().find((s) => s.trigger === t.definition.name);
    return {
      ...t, definition: { ...t.definition, afterAction: formatAfterAction(t.definition.afterAction) },
      ...(live ? { live } : {}),
    };
  };
  const mustGet = async (name: string): Promise<TriggerRecord> => {
    const t = await ctx.store.getTrigger(name);
    if (!t) throw new ConfigError({ code: 'TRIGGER_NOT_FOUND', field: 'name', message: `no trigger named "${name}"`, hint: 'list them with GET /api/triggers' });
    return t;
  };
  /** Saves a definition; a webhook gets the given secret or a new one, shown once. */
  const save = async (body: unknown, existing: boolean): Promise<Record<string, unknown>> => {
    if (typeof body !== 'object' || body === null) {
      throw new ConfigError({ code: 'REQUEST_INVALID', field: 'body', message: 'the body must be a JSON object', hint: 'send the trigger definition as JSON' });
    }
    const { secret: given, ...input } = body as Record<string, unknown>;
    if (given !== undefined && (typeof given !== 'string' || given.length < 16)) {
      throw new ConfigError({ code: 'TRIGGER_SECRET_INVALID', field: 'secret', message: 'the webhook secret must be a string of at least 16 characters', hint: 'leave it out to have one generated' });
    }
    // On the parsed definition: command and handler targets need `serve --allow-host-access`.
    checkTriggerHostAccess(parseTriggerDefinition(input), ctx.hostAccess);
    const isWebhook = (input.target as { kind?: unknown } | undefined)?.kind === 'webhook';
    const keep = existing && isWebhook && given === undefined && (await ctx.store.getTriggerSecret(String(input.name))) !== undefined;
    const generated = isWebhook && given === undefined && !keep;
    const secret = isWebhook && !keep ? new Secret(typeof given === 'string' ? given : randomBytes(32).toString('base64url')) : undefined;
    const def = await saveTrigger(ctx.store, input, secret ? { webhookSecret: secret } : {});
    await ctx.runner.sync();
    const t = await mustGet(def.name);
    return { trigger: view(t), ...(generated && secret ? { secret: secret.reveal() } : {}) };
  };

  return async (app) => {
    const tags = ['triggers'];

    app.get('/triggers', {
      schema: { tags, summary: 'triggers with their state', response: { 200: { type: 'array', items: anyObject }, ...errorResponses } },
    }, async () => (await ctx.store.listTriggers()).map(view));

    app.post<{ Body: unknown }>('/triggers', {
      schema: { tags, summary: 'add a trigger (a webhook\'s generated signing secret is returned once)', body: triggerBody, response: { 201: anyObject, ...errorResponses } },
      validatorCompiler: zodValidated,
    }, async (req, reply) => {
      const name = (req.body as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && (await ctx.store.getTrigger(name))) {
        throw new ConfigError({ code: 'TRIGGER_EXISTS', field: 'name', message: `a trigger named "${name}" already exists`, hint: `change it with PUT /api/triggers/${name}` });
      }
      return reply.status(201).send(await save(req.body, false));
    });

    app.get<{ Params: { name: string } }>('/triggers/:name', {
      schema: { tags, summary: 'a trigger\'s definition, checkpoint and recent events', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      const t = await mustGet(req.params.name);
      return { ...view(t), checkpoint: (await ctx.store.getTriggerCheckpoint(req.params.name)) ?? null,
        events: await ctx.store.listTriggerEvents(req.params.name, 20) };
    });

    app.put<{ Params: { name: string }; Body: unknown }>('/triggers/:name', {
      schema: { tags, summary: 'replace a trigger\'s definition (checkpoint and pause state kept)', params: nameParam, body: triggerBody, response: { 200: anyObject, ...errorResponses } },
      validatorCompiler: zodValidated,
    }, async (req) => {
      await mustGet(req.params.name);
      const body = req.body as Record<string, unknown> | null;
      if (body && typeof body === 'object' && body.name !== undefined && body.name !== req.params.name) {
        throw new ConfigError({ code: 'TRIGGER_RENAME', field: 'name', message: 'a trigger cannot be renamed', hint: 'add a new trigger and remove the old one' });
      }
      return save({ ...body, name: req.params.name }, true);
    });

    app.delete<{ Params: { name: string } }>('/triggers/:name', {
      schema: { tags, summary: 'remove a trigger with its checkpoint and history', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      if (!(await ctx.store.deleteTrigger(req.params.name))) await mustGet(req.params.name);
      await ctx.runner.sync();
      return { removed: req.params.name };
    });

    app.post<{ Params: { name: string }; Body: { reason?: string } | undefined }>('/triggers/:name/pause', {
      schema: { tags, summary: 'stop delivering until resumed', params: nameParam,
        body: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 } }, additionalProperties: false }, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      await ctx.runner.pause(req.params.name, req.body?.reason ?? 'paused through the API');
      return view(await mustGet(req.params.name));
    });

    app.post<{ Params: { name: string } }>('/triggers/:name/resume', {
      schema: { tags, summary: 'deliver again', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      await ctx.runner.resume(req.params.name);
      return view(await mustGet(req.params.name));
    });

    app.get<{ Params: { name: string }; Querystring: { status?: 'delivered' | 'failed' | 'dead'; limit: number } }>('/triggers/:name/history', {
      schema: { tags, summary: 'recent deliveries, newest first; status=dead is the dead-letter list', params: nameParam,
        querystring: { type: 'object', properties: { status: { type: 'string', enum: ['delivered', 'failed', 'dead'] }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 } } },
        response: { 200: { type: 'array', items: anyObject }, ...errorResponses } },
    }, async (req) => {
      await mustGet(req.params.name);
      return ctx.store.listDeliveries(req.params.name, { ...(req.query.status ? { status: req.query.status } : {}), limit: req.query.limit });
    });

    app.post<{ Params: { id: string } }>('/deliveries/:id/replay', {
      schema: { tags, summary: 'deliver a dead (or failed) delivery again', params: { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] },
        response: { 200: anyObject, ...errorResponses } },
    }, async (req) => ctx.runner.replay(req.params.id));
  };
}
