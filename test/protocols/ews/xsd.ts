/**
 * Validating EWS requests against Microsoft's schema (test/fixtures/ews-schema) with xmllint:
 * the `m:` operation element is cut out of the SOAP body (the envelope itself is not in the
 * schema) and the SOAP header's `t:` elements are checked on their own.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NS } from '../../../src/protocols/ews/soap.js';

const run = promisify(execFile);
export const SCHEMA = fileURLToPath(new URL('../../fixtures/ews-schema/messages.xsd', import.meta.url));

/** The elements inside `<soap:Body>` and `<soap:Header>` of an envelope, as standalone documents. */
export function documentsOf(envelopeXml: string): string[] {
  const body = /<soap:Body>([\s\S]*)<\/soap:Body>/.exec(envelopeXml)?.[1];
  const header = /<soap:Header>([\s\S]*)<\/soap:Header>/.exec(envelopeXml)?.[1] ?? '';
  if (!body) throw new Error('no soap:Body in the envelope');
  const headerParts = header.match(/<t:(RequestServerVersion|ExchangeImpersonation)\b[\s\S]*?(\/>|<\/t:\1>)/g) ?? [];
  return [body, ...headerParts].map(standalone);
}

/** Declares m: and t: on the root element so the fragment stands alone. */
function standalone(fragment: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${fragment.replace(/^<([\w:]+)/, `<$1 xmlns:m="${NS.m}" xmlns:t="${NS.t}"`)}`;
}

/** Validates documents in one xmllint run; resolves with the failures (empty: all valid). */
export async function validate(docs: ReadonlyArray<{ name: string; xml: string }>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ews-xsd-'));
  try {
    const files = await Promise.all(docs.map(async (d, i) => {
      const file = join(dir, `${String(i).padStart(3, '0')}-${d.name.replace(/[^\w-]/g, '_')}.xml`);
      await writeFile(file, d.xml);
      return file;
    }));
    try {
      await run('xmllint', ['--noout', '--schema', SCHEMA, ...files], { timeout: 60_000, maxBuffer: 8 * 1024 * 1024 });
      return [];
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? e);
      return stderr.split('\n').filter((l) => l.trim() !== '' && !/ validates$/.test(l));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
