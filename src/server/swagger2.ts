/**
 * The OpenAPI 3.0 document rendered as Swagger 2.0, for importers that take only 2.0 (Power
 * Automate custom connectors, older API gateways). It covers what this service's document
 * uses: one server, bearer auth, JSON/form bodies, JSON/text/binary answers. What 2.0 cannot
 * say is kept as an `x-` extension: `anyOf`/`oneOf` become an untyped schema with `x-anyOf`,
 * `nullable` becomes `x-nullable` (the extension Power Automate and AutoRest read).
 * Spec: https://swagger.io/specification/v2/ and https://spec.openapis.org/oas/v3.0.3
 */
type Json = Record<string, unknown>;

const REF_3 = '#/components/schemas/';
const REF_2 = '#/definitions/';

export function toSwagger2(doc: Json): Json {
  const servers = (doc.servers as { url: string; variables?: Record<string, { default: string }> }[] | undefined) ?? [];
  const server = new URL(expand(servers[0] ?? { url: 'http://127.0.0.1:8025' }));
  const components = (doc.components ?? {}) as {
    schemas?: Record<string, Json>;
    securitySchemes?: Record<string, Json>;
  };
  // 2.0 has no cookie API keys: the console's session scheme is left out.
  const cookieSchemes = new Set(
    Object.entries(components.securitySchemes ?? {}).filter(([, v]) => v.in === 'cookie').map(([k]) => k),
  );
  const paths: Json = {};
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    paths[path] = Object.fromEntries(Object.entries(item).map(([method, op]) => [method, operation(op, cookieSchemes)]));
  }
  return {
    swagger: '2.0',
    info: doc.info,
    host: server.host,
    basePath: server.pathname,
    schemes: [server.protocol.replace(':', '')],
    consumes: ['application/json'],
    produces: ['application/json'],
    ...(doc.tags ? { tags: doc.tags } : {}),
    paths,
    definitions: Object.fromEntries(Object.entries(components.schemas ?? {}).map(([k, v]) => [k, schema(v)])),
    securityDefinitions: Object.fromEntries(
      Object.entries(components.securitySchemes ?? {})
        .filter(([, v]) => v.in !== 'cookie')
        .map(([k, v]) => [k, securityScheme(v)]),
    ),
    ...(doc.security ? { security: doc.security } : {}),
  };
}

function expand(s: { url: string; variables?: Record<string, { default: string }> }): string {
  return s.url.replace(/\{(\w+)\}/g, (_, name: string) => s.variables?.[name]?.default ?? name);
}

/** 2.0 has no bearer scheme: an API key in the Authorization header, whose value starts with "Bearer ". */
function securityScheme(s: Json): Json {
  if (s.type === 'http' && s.scheme === 'bearer') {
    return {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description: `${typeof s.description === 'string' ? s.description : ''} Send the header value as "Bearer " followed by the key.`.trim(),
    };
  }
  return s;
}

function operation(op: Json, cookieSchemes: Set<string>): Json {
  const { requestBody, responses, parameters, ...rest } = op as {
    requestBody?: { required?: boolean; description?: string; content: Record<string, { schema?: Json }> };
    responses: Record<string, { description: string; content?: Record<string, { schema?: Json }> }>;
    parameters?: Json[];
  } & Json;
  const params: Json[] = (parameters ?? []).map(parameter);
  let consumes: string[] | undefined;
  if (requestBody) {
    consumes = Object.keys(requestBody.content);
    const [type, media] = Object.entries(requestBody.content)[0]!;
    if (type === 'application/x-www-form-urlencoded') {
      const s = media.schema ?? {};
      const required = new Set((s.required as string[] | undefined) ?? []);
      for (const [name, p] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
        params.push(parameter({ name, in: 'formData', required: required.has(name), schema: p }));
      }
    } else {
      params.push({
        name: 'body',
        in: 'body',
        required: requestBody.required ?? false,
        ...(requestBody.description ? { description: requestBody.description } : {}),
        schema: schema(media.schema ?? {}),
      });
    }
  }
  const produces = new Set<string>();
  const out: Json = {};
  for (const [status, r] of Object.entries(responses)) {
    const media = Object.entries(r.content ?? {});
    for (const [type] of media) produces.add(type);
    // 2.0 has one schema per answer: the first media type's (JSON where there is a choice).
    const first = media.find(([t]) => t === 'application/json') ?? media[0];
    out[status] = {
      description: r.description,
      ...(first?.[1].schema ? { schema: responseSchema(first[1].schema) } : {}),
    };
  }
  return {
    ...rest,
    ...(Array.isArray(rest.security)
      ? { security: (rest.security as Json[]).filter((r) => !Object.keys(r).some((k) => cookieSchemes.has(k))) }
      : {}),
    ...(consumes && !(consumes.length === 1 && consumes[0] === 'application/json') ? { consumes } : {}),
    ...(produces.size && !(produces.size === 1 && produces.has('application/json')) ? { produces: [...produces] } : {}),
    ...(params.length ? { parameters: params } : {}),
    responses: out,
  };
}

/** A 3.0 parameter (its schema nested) as a 2.0 one (the schema's keywords inline). */
function parameter(p: Json): Json {
  const { schema: s, ...rest } = p as { schema?: Json } & Json;
  const inline = schema(s ?? { type: 'string' });
  delete inline.example;
  if (inline.type === undefined) inline.type = 'string';
  if (inline.type === 'array' && rest.in === 'query') inline.collectionFormat = 'multi';
  return { ...rest, ...inline };
}

function responseSchema(s: Json): Json {
  return s.type === 'string' && s.format === 'binary' ? { type: 'file' } : schema(s);
}

/** A 3.0 schema object as a 2.0 one (recursively). */
export function schema(s: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.startsWith(REF_3) ? REF_2 + v.slice(REF_3.length) : v;
    else if (k === 'nullable') out['x-nullable'] = v;
    else if (k === 'anyOf' || k === 'oneOf') out['x-anyOf'] = (v as Json[]).map(schema);
    else if (k === 'properties')
      out.properties = Object.fromEntries(Object.entries(v as Record<string, Json>).map(([n, p]) => [n, schema(p)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = schema(v as Json);
    else if (k === 'allOf') out.allOf = (v as Json[]).map(schema);
    else if (k === 'not' || k === 'discriminator' || k === 'writeOnly' || k === 'deprecated') out[`x-${k}`] = v;
    else out[k] = v;
  }
  return out;
}
