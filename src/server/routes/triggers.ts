import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { formatAfterAction } from '../../message/after-action.js';
import { Secret } from '../../secret.js';
import type { TriggerRecord } from '../../store/store.js';
import { checkTriggerHostAccess } from '../../services/host-access.js';
import { parseTriggerDefinition, type TriggerDefinition } from '../../config/trigger.js';
import type { TriggerRunnerStatus } from '../../triggers/runner.js';
import { saveTrigger } from '../../triggers/save.js';
import type { ServerContext } from '../context.js';
import { errorAnswers, idParams, json, nameParams, removedSchema, zodValidated } from '../schemas/common.js';
import {
  deliverySchema,
  historyQuery,
  pauseBody,
  triggerBody,
  triggerDetailSchema,
  triggerSavedSchema,
  triggerViewSchema,
} from '../schemas/triggers.js';

/** A trigger as the API shows it: the after-action as text, the live watcher state when it runs here. */
type TriggerView = Omit<TriggerRecord, 'definition'> & {
  definition: Omit<TriggerDefinition, 'afterAction'> & { afterAction: string };
  live?: TriggerRunnerStatus;
};

/** /api/triggers: CRUD, pause/resume, history (dead letters), replay. */
export function triggerRoutes(ctx: ServerContext): FastifyPluginAsync {
  const view = (t: TriggerRecord): TriggerView => {
    const live = ctx.runner.status().find((s) => s.trigger === t.definition.name);
    return {
      ...t,
      definition: { ...t.definition, afterAction: formatAfterAction(t.definition.afterAction) },
      ...(live ? { live } : {}),
    };
  };
  const mustGet = async (name: string): Promise<TriggerRecord> => {
    const t = await ctx.store.getTrigger(name);
    if (!t)
      throw new ConfigError({
        code: 'TRIGGER_NOT_FOUND',
        field: 'name',
        message: `no trigger named "${name}"`,
        hint: 'list them with GET /api/triggers',
      });
    return t;
  };
  /** Saves a definition; a webhook gets the given secret or a new one, shown once. */
  const save = async (body: unknown, existing: boolean): Promise<{ trigger: TriggerView; secret?: string }> => {
    if (typeof body !== 'object' || body === null) {
      throw new ConfigError({
        code: 'REQUEST_INVALID',
        field: 'body',
        message: 'the body must be a JSON object',
        hint: 'send the trigger definition as JSON',
      });
    }
    const { secret: given, ...input } = body as Record<string, unknown>;
    if (given !== undefined && (typeof given !== 'string' || given.length < 16)) {
      throw new ConfigError({
        code: 'TRIGGER_SECRET_INVALID',
        field: 'secret',
        message: 'the webhook secret must be a string of at least 16 characters',
        hint: 'leave it out to have one generated',
      });
    }
    // On the parsed definition: command and handler targets need `serve --allow-host-access`.
    checkTriggerHostAccess(parseTriggerDefinition(input), ctx.hostAccess);
    const isWebhook = (input.target as { kind?: unknown } | undefined)?.kind === 'webhook';
    const keep =
      existing &&
      isWebhook &&
      given === undefined &&
      (await ctx.store.getTriggerSecret(String(input.name))) !== undefined;
    const generated = isWebhook && given === undefined && !keep;
    const secret =
      isWebhook && !keep
        ? new Secret(typeof given === 'string' ? given : randomBytes(32).toString('base64url'))
        : undefined;
    const def = await saveTrigger(ctx.store, input, secret ? { webhookSecret: secret } : {});
    await ctx.runner.sync();
    const t = await mustGet(def.name);
    return { trigger: view(t), ...(generated && secret ? { secret: secret.reveal() } : {}) };
  };

  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    const tags = ['triggers'];
    const notFound = { 404: ['TRIGGER_NOT_FOUND'] } as const;

    app.get(
      '/triggers',
      {
        schema: {
          tags,
          operationId: 'listTriggers',
          summary: 'List triggers',
          description:
            'Every trigger with its definition, pause state and, when its watcher runs here, the live state.',
          response: { 200: json('The triggers.', z.array(triggerViewSchema)), ...errorAnswers() },
        },
      },
      async () => (await ctx.store.listTriggers()).map(view),
    );

    app.post(
      '/triggers',
      {
        schema: {
          tags,
          operationId: 'addTrigger',
          summary: 'Add a trigger',
          description:
            'Watch one folder of one resource and deliver each new message that passes the filters to a ' +
            'webhook, a command or a registered handler, at least once. ' +
            "A webhook's signing secret is generated when absent and returned once. " +
            'Command and handler targets run on the host: refused unless the service runs with --allow-host-access.',
          body: triggerBody,
          response: {
            201: json('Added.', triggerSavedSchema),
            ...errorAnswers({
              400: ['TRIGGER_INVALID', 'TRIGGER_SECRET_INVALID', 'REQUEST_INVALID'],
              403: ['HOST_ACCESS_REFUSED'],
              404: ['RESOURCE_NOT_FOUND'],
              409: ['TRIGGER_EXISTS'],
            }),
          },
        },
        // Validated by the handler with the very schema documented here,
        // so the API and the CLI give the same typed error.
        validatorCompiler: zodValidated,
      },
      async (req, reply) => {
        const name = (req.body as { name?: unknown } | null)?.name;
        if (typeof name === 'string' && (await ctx.store.getTrigger(name))) {
          throw new ConfigError({
            code: 'TRIGGER_EXISTS',
            field: 'name',
            message: `a trigger named "${name}" already exists`,
            hint: `change it with PUT /api/triggers/${name}`,
          });
        }
        return reply.status(201).send(await save(req.body, false));
      },
    );

    app.get(
      '/triggers/:name',
      {
        schema: {
          tags,
          operationId: 'getTrigger',
          summary: 'Get a trigger',
          description: "A trigger's definition, checkpoint and recent events.",
          params: nameParams,
          response: { 200: json('The trigger.', triggerDetailSchema), ...errorAnswers(notFound) },
        },
      },
      async (req) => {
        const t = await mustGet(req.params.name);
        return {
          ...view(t),
          checkpoint: (await ctx.store.getTriggerCheckpoint(req.params.name)) ?? null,
          events: await ctx.store.listTriggerEvents(req.params.name, 20),
        };
      },
    );

    app.put(
      '/triggers/:name',
      {
        schema: {
          tags,
          operationId: 'replaceTrigger',
          summary: "Replace a trigger's definition",
          description:
            'Replace the definition; the checkpoint and the pause state are kept. A trigger cannot be renamed.',
          params: nameParams,
          body: triggerBody,
          response: {
            200: json('Replaced.', triggerSavedSchema),
            ...errorAnswers({
              400: ['TRIGGER_INVALID', 'TRIGGER_RENAME', 'TRIGGER_SECRET_INVALID'],
              403: ['HOST_ACCESS_REFUSED'],
              ...notFound,
            }),
          },
        },
        validatorCompiler: zodValidated,
      },
      async (req) => {
        await mustGet(req.params.name);
        const body = req.body as Record<string, unknown> | null;
        if (body && typeof body === 'object' && body.name !== undefined && body.name !== req.params.name) {
          throw new ConfigError({
            code: 'TRIGGER_RENAME',
            field: 'name',
            message: 'a trigger cannot be renamed',
            hint: 'add a new trigger and remove the old one',
          });
        }
        return save({ ...body, name: req.params.name }, true);
      },
    );

    app.delete(
      '/triggers/:name',
      {
        schema: {
          tags,
          operationId: 'removeTrigger',
          summary: 'Remove a trigger',
          description: 'Remove a trigger with its checkpoint and history.',
          params: nameParams,
          response: { 200: json('Removed.', removedSchema), ...errorAnswers(notFound) },
        },
      },
      async (req) => {
        if (!(await ctx.store.deleteTrigger(req.params.name))) await mustGet(req.params.name);
        await ctx.runner.sync();
        return { removed: req.params.name };
      },
    );

    app.post(
      '/triggers/:name/pause',
      {
        schema: {
          tags,
          operationId: 'pauseTrigger',
          summary: 'Pause a trigger',
          description: 'Stop delivering until resumed; messages arriving meanwhile are delivered after the resume.',
          params: nameParams,
          body: pauseBody,
          response: { 200: json('Paused.', triggerViewSchema), ...errorAnswers(notFound) },
        },
      },
      async (req) => {
        await ctx.runner.pause(req.params.name, req.body?.reason ?? 'paused through the API');
        return view(await mustGet(req.params.name));
      },
    );

    app.post(
      '/triggers/:name/resume',
      {
        schema: {
          tags,
          operationId: 'resumeTrigger',
          summary: 'Resume a trigger',
          description: 'Deliver again.',
          params: nameParams,
          response: { 200: json('Resumed.', triggerViewSchema), ...errorAnswers(notFound) },
        },
      },
      async (req) => {
        await ctx.runner.resume(req.params.name);
        return view(await mustGet(req.params.name));
      },
    );

    app.get(
      '/triggers/:name/history',
      {
        schema: {
          tags,
          operationId: 'listDeliveries',
          summary: "List a trigger's deliveries",
          description: 'Recent deliveries, newest first; status=dead is the dead-letter list.',
          params: nameParams,
          querystring: historyQuery,
          response: { 200: json('The deliveries.', z.array(deliverySchema)), ...errorAnswers(notFound) },
        },
      },
      async (req) => {
        await mustGet(req.params.name);
        return ctx.store.listDeliveries(req.params.name, {
          ...(req.query.status ? { status: req.query.status } : {}),
          limit: req.query.limit,
        });
      },
    );

    app.post(
      '/deliveries/:id/replay',
      {
        schema: {
          tags,
          operationId: 'replayDelivery',
          summary: 'Replay a delivery',
          description: 'Deliver a dead (or failed) delivery again, fetching the message from the mailbox.',
          params: idParams,
          response: {
            200: json('The delivery after the new attempt.', deliverySchema),
            ...errorAnswers({
              404: ['TRIGGER_DELIVERY_NOT_FOUND', 'MESSAGE_NOT_FOUND'],
              502: ["the mail server's codes"],
            }),
          },
        },
      },
      async (req) => ctx.runner.replay(req.params.id),
    );
  };
}
