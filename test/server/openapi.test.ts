/**
 * The OpenAPI document as a contract: served without a key, identical to the files the build
 * writes (docs/openapi.json, docs/swagger2.json, the generated client types), valid under
 * Redocly's recommended rules, and complete for every operation (id, summary, description,
 * tags, a typed answer for success and for each error status).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { openApiFiles } from '../../scripts/openapi-files.js';
import { startService, type Service } from './support.js';

let svc: Service;
before(async () => {
  svc = await startService();
  await svc.listen();
});
after(async () => svc?.close());

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
};

test('the served documents are public and identical to the written ones; the generated files are current', async () => {
  for (const [url, file] of [
    ['/openapi.json', 'docs/openapi.json'],
    ['/swagger2.json', 'docs/swagger2.json'],
  ] as const) {
    const res = await fetch(`${svc.base}${url}`);
    assert.equal(res.status, 200, `${url} without a key`);
    assert.deepEqual(
      await res.json(),
      JSON.parse(readFileSync(file, 'utf8')),
      `${url} is ${file}: run npm run openapi`,
    );
  }
  for (const { path, text } of await openApiFiles())
    assert.equal(readFileSync(path, 'utf8'), text, `${path} is current: run npm run openapi`);
});

test('every operation: verbNoun id, summary, description, tag, answers; 401/403 behind a key', async () => {
  const doc = (await svc.api('GET', '/openapi.json')).json as {
    openapi: string;
    info: { license?: { name: string } };
    servers: unknown[];
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  assert.equal(doc.openapi, '3.0.3');
  assert.ok(doc.info.license?.name);
  assert.ok(doc.servers.length > 0);
  assert.ok(doc.components.securitySchemes.apiKey);
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.match(op.operationId ?? '', /^[a-z]+[A-Z][A-Za-z]*$/, `${where}: operationId`);
      assert.ok(!ids.has(op.operationId!), `${where}: operationId unique`);
      ids.add(op.operationId!);
      assert.ok(op.summary && op.description && op.tags?.length, `${where}: summary, description, tags`);
      const statuses = Object.keys(op.responses);
      assert.ok(
        statuses.some((s) => /^2/.test(s)),
        `${where}: a 2xx answer`,
      );
      const needed = op.security?.length === 0 ? ['400', '500'] : ['400', '401', '403', '500'];
      for (const s of needed) {
        assert.equal(
          op.responses[s]?.content?.['application/json']?.schema.$ref,
          '#/components/schemas/Error',
          `${where}: ${s} is the error shape`,
        );
      }
      for (const [s, r] of Object.entries(op.responses)) {
        if (/^2/.test(s) && s !== '204') assert.ok(r.content, `${where}: ${s} has a typed body`);
      }
    }
  }
  assert.ok(ids.size >= 43, `${ids.size} operations`);
});

test(
  "the document passes Redocly's recommended rules with no error and no warning (OpenAPI 3.0.3 and Swagger 2.0)",
  { timeout: 60_000 },
  async () => {
    // A non-zero exit (an error) rejects; warnings are read from the stylish lines (`12:3  warning  rule`).
    const { stdout, stderr } = await promisify(execFile)(
      'npx',
      ['redocly', 'lint', '--config', 'redocly.yaml', '--format', 'stylish', 'docs/openapi.json', 'docs/swagger2.json'],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    const out = stdout + stderr;
    assert.doesNotMatch(out, /^\s*\d+:\d+\s+(warning|error)\b|You have \d+ warning/m, out);
    assert.match(out, /docs\/swagger2\.json: validated/);
  },
);

test('the Swagger 2.0 rendition keeps every operation id, sends bodies as body parameters, the key as a header', async () => {
  const v3 = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const v2 = JSON.parse(readFileSync('docs/swagger2.json', 'utf8')) as {
    swagger: string;
    host: string;
    basePath: string;
    securityDefinitions: Record<string, { type: string; in: string; name: string }>;
    paths: Record<
      string,
      Record<string, Operation & { parameters?: { in: string; name: string; schema?: { $ref?: string } }[] }>
    >;
  };
  assert.equal(v2.swagger, '2.0');
  assert.equal(v2.host, '127.0.0.1:8025');
  const { type, in: where, name } = v2.securityDefinitions.apiKey!;
  assert.deepEqual([type, where, name], ['apiKey', 'header', 'Authorization']);
  const ids = (doc: { paths: Record<string, Record<string, Operation>> }): string[] =>
    Object.values(doc.paths)
      .flatMap((item) => Object.values(item).map((op) => op.operationId!))
      .sort();
  assert.deepEqual(ids(v2), ids(v3));
  const send = v2.paths['/api/mail/{resource}/send']!.post!;
  assert.equal(send.parameters?.find((p) => p.in === 'body')?.schema?.$ref, '#/definitions/MailDraftInput');
  assert.ok(!JSON.stringify(v2).includes('#/components/'), 'every reference points into definitions');
});
