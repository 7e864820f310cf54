/**
 * The files generated from the service's routes: the OpenAPI document, its Swagger 2.0
 * rendition and the TypeScript types openapi-typescript makes from it (for openapi-fetch).
 */
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocuments } from '../src/server/openapi-document.js';

export async function openApiFiles(): Promise<{ path: string; text: string }[]> {
  const docs = await openApiDocuments();
  const ast = await openapiTS(docs.openapi as unknown as Parameters<typeof openapiTS>[0], {
    // A property with a default may be left out of a request: its default is filled by the service.
    defaultNonNullable: false,
  });
  return [
    { path: 'docs/openapi.json', text: `${JSON.stringify(docs.openapi, null, 2)}\n` },
    { path: 'docs/swagger2.json', text: `${JSON.stringify(docs.swagger2, null, 2)}\n` },
    {
      path: 'test/generated/api.ts',
      text: `// Generated from docs/openapi.json by \`npm run openapi\` (openapi-typescript); do not edit.\n${
        astToString(ast)
      }`,
    },
  ];
}
