import type { FastifyInstance } from 'fastify';
import { OPENAPI_PATH, SWAGGER2_PATH } from '../openapi.js';
import { ROUTE_SCOPES } from '../scopes.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

/**
 * The API reference in the console: the service's own OpenAPI document rendered to HTML on
 * the server (no Swagger UI: it would need a bundle of third-party script and styles, where
 * the CSP allows this origin's one small script only). Every operation with its scope, its
 * parameters, its body and its answers; the schemas they name, linked.
 */
export function apiPage(app: FastifyInstance, kit: ConsoleKit): void {
  app.get('/api', kit.get, async (_req, reply) => {
    const doc = app.swagger() as unknown as OpenApiDoc;
    return kit.page(reply, 'API reference', () => renderDoc(doc));
  });
}

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
  default?: unknown;
  example?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}
interface Parameter { name: string; in: string; required?: boolean; description?: string; schema?: Schema }
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: Record<string, unknown>[];
}
interface OpenApiDoc {
  info?: { title?: string; version?: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function renderDoc(doc: OpenApiDoc): Html {
  const ops: { path: string; method: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) if (item[method]) ops.push({ path, method, op: item[method] });
  }
  const tags = (doc.tags ?? []).map((t) => t.name);
  for (const { op } of ops) for (const t of op.tags ?? ['other']) if (!tags.includes(t)) tags.push(t);
  const schemas = doc.components?.schemas ?? {};
  return html`<p class="note">mailbridge ${doc.info?.version ?? ''}: ${doc.info?.description ?? ''}</p>
<p>Call the API with the header <code>authorization: Bearer mbk_…</code> (an <a href="/console/keys">API key</a>) and the scope each operation names.
The same document as JSON, for code generators and tools: <a href="${OPENAPI_PATH}" id="openapi-json">OpenAPI 3.0</a> · <a href="${SWAGGER2_PATH}">Swagger 2.0</a>.</p>
<nav aria-label="API sections"><ul id="api-tags">${tags.map((t) => html`<li><a href="#tag-${t}">${t}</a></li>`)}<li><a href="#schemas">Schemas</a></li></ul></nav>
${tags.map((t) => {
    const desc = doc.tags?.find((x) => x.name === t)?.description;
    const mine = ops.filter(({ op }) => (op.tags ?? ['other']).includes(t));
    return html`<section id="tag-${t}"><h2>${t}</h2>${desc ? html`<p>${desc}</p>` : ''}${mine.map((o) => operation(o.path, o.method, o.op))}</section>`;
  })}
<section id="schemas"><h2>Schemas</h2>${Object.entries(schemas).map(([name, s]) => html`<details class="api-op" id="schema-${name}"><summary><strong>${name}</strong>${s.description ? html` · ${s.description}` : ''}</summary>
${schemaBlock(s)}</details>`)}</section>`;
}

function operation(path: string, method: string, op: Operation): Html {
  const scope = ROUTE_SCOPES[`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`];
  const publicOp = op.security !== undefined && op.security.length === 0;
  const body = op.requestBody?.content ? Object.entries(op.requestBody.content) : [];
  return html`<details class="api-op" id="op-${op.operationId ?? `${method}-${path}`}"><summary><span class="method">${method}</span> <code>${path}</code> · ${op.summary ?? ''}</summary>
${op.description ? html`<p>${op.description}</p>` : ''}
<p class="note">${scope ? html`API key scope: <strong class="scope">${scope}</strong> (a console login may call it too)` : publicOp ? 'No authentication' : 'API key or console login'}${op.operationId ? html` · operationId <code>${op.operationId}</code>` : ''}</p>
${op.parameters?.length ? html`<h3>Parameters</h3><table><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr>
${op.parameters.map((p) => html`<tr><td><code>${p.name}</code>${p.required ? ' (required)' : ''}</td><td>${p.in}</td><td>${p.schema ? typeText(p.schema) : ''}</td><td>${p.description ?? p.schema?.description ?? ''}</td></tr>`)}</table>` : ''}
${body.map(([type, c]) => html`<h3>Body (${type})${op.requestBody?.required ? ' required' : ''}</h3>${c.schema ? schemaBlock(c.schema) : ''}`)}
<h3>Answers</h3><table><tr><th>Status</th><th>Description</th><th>Body</th></tr>
${Object.entries(op.responses ?? {}).map(([status, r]) => html`<tr><td>${status}</td><td>${r.description ?? ''}</td><td>${Object.entries(r.content ?? {}).map(([type, c]) => html`<code>${type}</code>${c.schema ? (c.schema.properties ? schemaBlock(c.schema) : html` ${typeText(c.schema)}`) : ''} `)}</td></tr>`)}</table>
</details>`;
}

/** A schema's shape: its type line, then its properties as a table, and its example. */
function schemaBlock(s: Schema): Html {
  const props = Object.entries(s.properties ?? {});
  return html`<p>${typeText(s)}</p>
${props.length ? html`<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>
${props.map(([name, p]) => html`<tr><td><code>${name}</code>${s.required?.includes(name) ? ' (required)' : ''}</td><td>${typeText(p)}</td><td>${p.description ?? ''}</td></tr>`)}</table>` : ''}
${s.example !== undefined ? html`<p>Example:</p><pre>${JSON.stringify(s.example, null, 2)}</pre>` : ''}`;
}

/** One line for a type: a link for a named schema, `array of X`, `one of a, b`, with its limits. */
function typeText(s: Schema): Html {
  if (s.$ref) {
    const name = s.$ref.replace('#/components/schemas/', '');
    return html`<a href="#schema-${name}">${name}</a>`;
  }
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return html`${alts.map((a, i) => html`${i ? ' or ' : ''}${typeText(a)}`)}`;
  if (s.allOf) return html`${s.allOf.map((a, i) => html`${i ? ' and ' : ''}${typeText(a)}`)}`;
  if (s.enum) return html`one of ${s.enum.map((v, i) => html`${i ? ', ' : ''}<code>${JSON.stringify(v)}</code>`)}`;
  const type = [s.type ?? (s.properties ? 'object' : 'any')].flat().join(' | ');
  const limits = [
    s.format, s.minLength !== undefined ? `min length ${s.minLength}` : '', s.maxLength !== undefined ? `max length ${s.maxLength}` : '',
    s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined ? `≤ ${s.maximum}` : '',
    s.pattern ? `pattern ${s.pattern}` : '', s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '',
    s.nullable ? 'or null' : '',
  ].filter(Boolean).join(', ');
  if (type === 'array' && s.items) return html`array of ${typeText(s.items)}${limits ? ` (${limits})` : ''}`;
  return html`${type}${limits ? ` (${limits})` : ''}`;
}
