import { randomUUID } from 'node:crypto';
import { fastify, type FastifyError, type FastifyInstance } from 'fastify';
import { admitGraphRequest } from './auth.js';
import { badRequest, GraphError, sendGraphError } from './errors.js';
import { registerAttachmentRoutes } from './routes/attachments.js';
import { registerBatchRoutes } from './routes/batch.js';
import { registerCalendarViewRoutes } from './routes/calendarView.js';
import { registerContactRoutes } from './routes/contacts.js';
import { registerDeltaRoutes } from './routes/delta.js';
import { registerEventRoutes } from './routes/events.js';
import { registerMailFolderRoutes } from './routes/mailFolders.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerSendMailRoutes } from './routes/sendMail.js';
import { registerSubscriptionRoutes } from './routes/subscriptions.js';
import { registerTodoRoutes } from './routes/todo.js';
import { registerUserRoutes } from './routes/users.js';
import { registerUploadSessionRoutes } from './routes/uploadSession.js';
import type { GraphState } from './state.js';
import { MAX_CHUNK_BYTES } from './uploads.js';

/** sendMail with MIME or attachments can be large; Graph's own cap for a request body is 150 MB. */
const BODY_LIMIT = 160 * 1024 * 1024;

/** Map Fastify's own failures (bad JSON, body too large) to Graph's error JSON. */
function asGraphError(e: FastifyError | Error): GraphError {
  if (e instanceof GraphError) return e;
  const status = 'statusCode' in e && typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return new GraphError(413, 'RequestEntityTooLarge', `The request body is too large (upload chunks at most ${MAX_CHUNK_BYTES} bytes).`);
  if (status === 415) return new GraphError(415, 'UnsupportedMediaType', e.message);
  if (status >= 400 && status < 500) return badRequest(e.message);
  return new GraphError(500, 'generalException', 'An internal server error occurred.');
}

/** The Graph v1.0 app: request ids, the auth/throttle gate, every route group, errors as Graph JSON. */
export function buildGraphApp(state: GraphState): FastifyInstance {
  const { ctx } = state;
  const app = fastify({
    https: { key: ctx.tls.key, cert: ctx.tls.cert }, keepAliveTimeout: 125_000, logger: false, bodyLimit: BODY_LIMIT,
  }) as unknown as FastifyInstance;

  app.removeContentTypeParser('application/json');
  // An empty JSON body is fine for POST .../send, /permanentDelete (Fastify would answer 400).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'), undefined);
    }
  });
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_CHUNK_BYTES }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    req.graphRequestId = randomUUID();
    const clientId = req.headers['client-request-id'];
    req.graphClientRequestId = typeof clientId === 'string' && clientId !== '' ? clientId : req.graphRequestId;
    reply.header('request-id', req.graphRequestId).header('client-request-id', req.graphClientRequestId);
    await admitGraphRequest(state, req, reply);
  });

  app.setErrorHandler((e: FastifyError | Error, req, reply) => sendGraphError(req, reply, asGraphError(e), ctx.now()));
  app.setNotFoundHandler((req, reply) => {
    const segment = req.url.split('?')[0]?.split('/').filter(Boolean).pop() ?? '';
    const e = req.url.startsWith('/v1.0/')
      ? new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`)
      : new GraphError(400, 'BadRequest', 'Invalid version.');
    return sendGraphError(req, reply, e, ctx.now());
  });

  registerMailFolderRoutes(app);
  registerMessageRoutes(app, state);
  registerSendMailRoutes(app, state);
  registerAttachmentRoutes(app, state);
  registerUploadSessionRoutes(app, state);
  registerDeltaRoutes(app);
  registerEventRoutes(app);
  registerCalendarViewRoutes(app);
  registerUserRoutes(app, state);
  registerContactRoutes(app);
  registerTodoRoutes(app);
  registerSubscriptionRoutes(app, state);
  registerBatchRoutes(app, state);
  return app;
}
