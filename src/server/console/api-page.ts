import type { FastifyInstance } from 'fastify';
import { type Locale, messages, t } from '../../i18n/index.js';
import { OPENAPI_PATH, SWAGGER2_PATH } from '../openapi.js';
import { ROUTE_SCOPES } from '../scopes.js';
import { html, htmlText, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

/**
 * The API reference in the console: the service's own OpenAPI document rendered to HTML on
 * the server (no Swagger UI: it would need a bundle of third-party script and styles, where
 * the CSP allows this origin's one small script only). Every operation with its scope, its
 * parameters, its body and its answers; the schemas they name, linked.
 */
export function apiPage(app: FastifyInstance, kit: ConsoleKit): void {
  app.get('/api', kit.get, async (req, reply) => {
    const doc = app.swagger() as unknown as OpenApiDoc;
    return kit.page(reply, t(m.title, kit.locale(req)), (_csrf, locale) => renderDoc(doc, locale));
  });
}

// The page's own words; the operations' summaries and descriptions come from the OpenAPI document (English).
const m = messages('console.api', {
  title: { en: 'API reference', ja: 'API リファレンス' },
  intro: {
    en: 'Call the API with the header {header} (an {key}) and the scope each operation names. The same document as JSON, for code generators and tools: {formats}.',
    ja: 'API はヘッダー {header} ({key}) を付け、操作ごとに示されたスコープで呼び出します。コード生成やツール向けの同じ文書 (JSON): {formats}。',
  },
  apiKey: { en: 'API key', ja: 'API キー' },
  sections: { en: 'API sections', ja: 'API のセクション' },
  schemas: { en: 'Schemas', ja: 'スキーマ' },
  scope: { en: 'API key scope: {scope} (a console login may call it too)', ja: 'API キーのスコープ: {scope} (コンソールにログインしていても呼び出せます)' },
  public: { en: 'No authentication', ja: '認証なし' },
  keyOrLogin: { en: 'API key or console login', ja: 'API キーまたはコンソールのログイン' },
  parameters: { en: 'Parameters', ja: 'パラメーター' },
  name: { en: 'Name', ja: '名前' },
  in: { en: 'In', ja: '場所' },
  type: { en: 'Type', ja: '型' },
  description: { en: 'Description', ja: '説明' },
  required: { en: ' (required)', ja: ' (必須)' },
  body: { en: 'Body ({type})', ja: '本文 ({type})' },
  bodyRequired: { en: ' required', ja: ' 必須' },
  answers: { en: 'Answers', ja: '応答' },
  status: { en: 'Status', ja: 'ステータス' },
  answerBody: { en: 'Body', ja: '本文' },
  field: { en: 'Field', ja: '項目' },
  example: { en: 'Example:', ja: '例:' },
});

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

function renderDoc(doc: OpenApiDoc, l: Locale): Html {
  const ops: { path: string; method: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) if (item[method]) ops.push({ path, method, op: item[method] });
  }
  const tags = (doc.tags ?? []).map((t) => t.name);
  for (const { op } of ops) for (const t of op.tags ?? ['other']) if (!tags.includes(t)) tags.push(t);
  const schemas = doc.components?.schemas ?? {};
  return html`<p class="note">mailbridge ${doc.info?.version ?? ''}: ${doc.info?.description ?? ''}</p>
<p>${htmlText(m.intro, l, {
    header: html`<code>authorization: Bearer mbk_…</code>`,
    key: html`<a href="/console/keys">${t(m.apiKey, l)}</a>`,
    formats: html`<a href="${OPENAPI_PATH}" id="openapi-json">OpenAPI 3.0</a> · <a href="${SWAGGER2_PATH}">Swagger 2.0</a>`,
  })}</p>
<nav aria-label="${t(m.sections, l)}"><ul id="api-tags">${tags.map((tag) => html`<li><a href="#tag-${tag}">${tag}</a></li>`)}<li><a href="#schemas">${t(m.schemas, l)}</a></li></ul></nav>
${tags.map((tag) => {
    const desc = doc.tags?.find((x) => x.name === tag)?.description;
    const mine = ops.filter(({ op }) => (op.tags ?? ['other']).includes(tag));
    return html`<section id="tag-${tag}"><h2>${tag}</h2>${desc ? html`<p>${desc}</p>` : ''}${mine.map((o) => operation(o.path, o.method, o.op, l))}</section>`;
  })}
<section id="schemas"><h2>${t(m.schemas, l)}</h2>${Object.entries(schemas).map(([name, s]) => html`<details class="api-op" id="schema-${name}"><summary><strong>${name}</strong>${s.description ? html` · ${s.description}` : ''}</summary>
${schemaBlock(s, l)}</details>`)}</section>`;
}

function operation(path: string, method: string, op: Operation, l: Locale): Html {
  const scope = ROUTE_SCOPES[`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`];
  const publicOp = op.security !== undefined && op.security.length === 0;
  const body = op.requestBody?.content ? Object.entries(op.requestBody.content) : [];
  return html`<details class="api-op" id="op-${op.operationId ?? `${method}-${path}`}"><summary><span class="method">${method}</span> <code>${path}</code> · ${op.summary ?? ''}</summary>
${op.description ? html`<p>${op.description}</p>` : ''}
<p class="note">${scope ? htmlText(m.scope, l, { scope: html`<strong class="scope">${scope}</strong>` }) : publicOp ? t(m.public, l) : t(m.keyOrLogin, l)}${op.operationId ? html` · operationId <code>${op.operationId}</code>` : ''}</p>
${op.parameters?.length ? html`<h3>${t(m.parameters, l)}</h3><table><tr><th>${t(m.name, l)}</th><th>${t(m.in, l)}</th><th>${t(m.type, l)}</th><th>${t(m.description, l)}</th></tr>
${op.parameters.map((p) => html`<tr><td><code>${p.name}</code>${p.required ? t(m.required, l) : ''}</td><td>${p.in}</td><td>${p.schema ? typeText(p.schema) : ''}</td><td>${p.description ?? p.schema?.description ?? ''}</td></tr>`)}</table>` : ''}
${body.map(([type, c]) => html`<h3>${t(m.body, l, { type })}${op.requestBody?.required ? t(m.bodyRequired, l) : ''}</h3>${c.schema ? schemaBlock(c.schema, l) : ''}`)}
<h3>${t(m.answers, l)}</h3><table><tr><th>${t(m.status, l)}</th><th>${t(m.description, l)}</th><th>${t(m.answerBody, l)}</th></tr>
${Object.entries(op.responses ?? {}).map(([status, r]) => html`<tr><td>${status}</td><td>${r.description ?? ''}</td><td>${Object.entries(r.content ?? {}).map(([type, c]) => html`<code>${type}</code>${c.schema ? (c.schema.properties ? schemaBlock(c.schema, l) : html` ${typeText(c.schema)}`) : ''} `)}</td></tr>`)}</table>
</details>`;
}

/** A schema's shape: its type line, then its properties as a table, and its example. */
function schemaBlock(s: Schema, l: Locale): Html {
  const props = Object.entries(s.properties ?? {});
  return html`<p>${typeText(s)}</p>
${props.length ? html`<table><tr><th>${t(m.field, l)}</th><th>${t(m.type, l)}</th><th>${t(m.description, l)}</th></tr>
${props.map(([name, p]) => html`<tr><td><code>${name}</code>${s.required?.includes(name) ? t(m.required, l) : ''}</td><td>${typeText(p)}</td><td>${p.description ?? ''}</td></tr>`)}</table>` : ''}
${s.example !== undefined ? html`<p>${t(m.example, l)}</p><pre>${JSON.stringify(s.example, null, 2)}</pre>` : ''}`;
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
