import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenEndpointError } from '../auth/token-endpoint.js';
import type { Logger } from '../log.js';
import { AuthError, ConfigError, isMailbridgeError, MailbridgeError, PermissionError, ProtocolError, StoreError, UnsupportedError } from '../errors.js';

/** The one error shape of the API: `{ error: { code, message, hint, field?, ... } }`, never a stack. */
export interface ErrorBody {
  error: { code: string; message: string; hint: string; field?: string; [k: string]: unknown };
}

/** An error of the service itself (authentication, CSRF, unknown routes). */
export class ServerError extends MailbridgeError {
  readonly status: number;
  constructor(status: number, d: ConstructorParameters<typeof MailbridgeError>[0]) {
    super(d);
    this.status = status;
  }
}

export function unauthorized(hint: string): ServerError {
  return new ServerError(401, { code: 'UNAUTHORIZED', message: 'this call needs an API key or a console login', hint });
}

/** The HTTP status for a typed error: the code says more than the class, so it is read first. */
export function statusFor(e: MailbridgeError): number {
  if (e instanceof ServerError) return e.status;
  if (e instanceof PermissionError) return 403;
  if (/_NOT_FOUND$/.test(e.code)) return 404;
  if (/_EXISTS$/.test(e.code) || /_IN_USE$/.test(e.code)) return 409;
  if (e instanceof ConfigError || e instanceof UnsupportedError) return 400;
  if (e instanceof AuthError) {
    if (e.code.startsWith('STATE_') || e.code === 'REDIRECT_URL_INVALID' || e.code === 'CONSENT_DENIED') return 400;
    // An error answer of the authorization step (the person declined, a bad request): not the upstream failing.
    if (typeof e.details.error === 'string' && !(e instanceof TokenEndpointError)) return 400;
    if (e.code.startsWith('REFRESH_TOKEN_')) return 409;
    return 502;
  }
  if (e instanceof ProtocolError) return 502;
  if (e instanceof StoreError) return 500;
  return 500;
}

/** Every failure as JSON; validation errors name the parameter; unknown errors say nothing internal. */
export function installErrorHandler(app: FastifyInstance, logger?: Logger): void {
  app.setErrorHandler((err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorBody(err);
    if (status >= 500) logger?.error({ event: 'request_failed', route: req.routeOptions.url, code: body.error.code, error: err.message }, 'request failed');
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({
    error: { code: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, hint: 'see /openapi.json for the routes' },
  } satisfies ErrorBody));
}

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (isMailbridgeError(err)) {
    return { status: statusFor(err), body: { error: err.toJSON() as ErrorBody['error'] } };
  }
  const fe = err as Partial<FastifyError>;
  if (fe.validation) {
    const first = fe.validation[0];
    const where = fe.validationContext ?? 'request';
    const path = first?.instancePath && first.instancePath !== '/' ? first.instancePath.replaceAll('/', '.') : '';
    const field = first ? `${where}${path}${missing(first.params)}` : where;
    return { status: 400, body: { error: { code: 'REQUEST_INVALID', message: `invalid ${field}: ${first?.message ?? 'bad value'}`,
      hint: 'see /openapi.json for the expected fields', field } } };
  }
  if (fe.code === 'FST_CSRF_INVALID_TOKEN' || fe.code === 'FST_CSRF_MISSING_SECRET') {
    return { status: 403, body: { error: { code: 'CSRF_REFUSED', message: 'the form carried no valid CSRF token',
      hint: 'reload the console page and submit the form again' } } };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: { code: fe.code ?? 'REQUEST_INVALID', message: fe.message ?? 'bad request',
      hint: 'check the request against /openapi.json' } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'the service failed unexpectedly',
    hint: 'see the service log for details and report it if it repeats' } } };
}

function missing(params: unknown): string {
  const p = params as { missingProperty?: unknown; additionalProperty?: unknown } | undefined;
  if (typeof p?.missingProperty === 'string') return `.${p.missingProperty}`;
  if (typeof p?.additionalProperty === 'string') return `.${p.additionalProperty}`;
  return '';
}
