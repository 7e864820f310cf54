import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** A fixture from test/fixtures/graph (see SOURCE.md there). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/graph/${name}`, import.meta.url), 'utf8')) as T;
}

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Every key of the documented example is in `actual` with the same JSON type (recursively;
 * arrays by their first element). A `null` in the example accepts anything.
 */
export function assertShape(actual: unknown, documented: unknown, path = '$'): void {
  if (documented === null) return;
  assert.equal(kind(actual), kind(documented), `${path}: expected ${kind(documented)}, got ${kind(actual)} (${JSON.stringify(actual)?.slice(0, 120)})`);
  if (Array.isArray(documented)) {
    if (documented.length > 0) {
      assert.ok((actual as unknown[]).length > 0, `${path}: expected a non-empty array`);
      assertShape((actual as unknown[])[0], documented[0], `${path}[0]`);
    }
    return;
  }
  if (typeof documented === 'object') {
    for (const [k, v] of Object.entries(documented as Record<string, unknown>)) {
      assert.ok(k in (actual as Record<string, unknown>), `${path}: missing key '${k}'`);
      assertShape((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}
