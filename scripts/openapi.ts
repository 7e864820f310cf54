/**
 * Writes the service's OpenAPI document (docs/openapi.json) and its Swagger 2.0 rendition
 * (docs/swagger2.json), as `npm run build` does. `--check` fails instead when either is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { openApiDocuments } from '../src/server/openapi-document.js';

const check = process.argv.includes('--check');
const docs = await openApiDocuments();
let stale = false;
for (const [path, doc] of [['docs/openapi.json', docs.openapi], ['docs/swagger2.json', docs.swagger2]] as const) {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  let old = '';
  try { old = readFileSync(path, 'utf8'); } catch { old = ''; }
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
