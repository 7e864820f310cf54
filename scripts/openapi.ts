/**
 * Writes docs/openapi.json, docs/swagger2.json and test/generated/api.ts from the service's
 * routes, as `npm run build` does (through `npm run openapi`). `--check` fails instead when
 * one of them is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { openApiFiles } from './openapi-files.js';

const check = process.argv.includes('--check');
let stale = false;
for (const { path, text } of await openApiFiles()) {
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    old = '';
  }
  if (old === text) continue;
  if (check) {
    console.error(`${path} is stale: run npm run openapi`);
    stale = true;
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
if (stale) process.exit(1);
