import type { EwsCall } from '../context.js';
import { EwsError, failure, success } from '../soap.js';
import type { XNode, XmlObject } from '../xml.js';

/** One response message of an operation's response (…ResponseMessage element and content). */
export interface ResponseMessage {
  element: string;
  body: XmlObject;
}

/** An EWS operation: the request's m:{Name} element in, its response messages out. */
export type Operation = (call: EwsCall, request: XNode) => Promise<ResponseMessage[]>;

/** An operation whose response element is not m:{Name}Response with m:ResponseMessages. */
export interface PlainOperation {
  /** The response's body element (local name, m: namespace). */
  response: string;
  run(call: EwsCall, request: XNode): Promise<XmlObject>;
}

/**
 * One response message per requested thing, as EWS answers batches: a failure of one item is
 * an Error message for it, the others still succeed. `onError` holds elements the schema
 * requires on error too (e.g. an empty m:Items).
 */
export async function each<T>(
  element: string,
  inputs: T[],
  handle: (input: T) => Promise<XmlObject>,
  onError: XmlObject = {},
): Promise<ResponseMessage[]> {
  const out: ResponseMessage[] = [];
  for (const input of inputs) {
    try {
      out.push({ element, body: success(await handle(input)) });
    } catch (e) {
      if (!(e instanceof EwsError) || e.constructor !== EwsError) throw e;
      out.push({ element, body: failure(e, onError) });
    }
  }
  return out;
}

/** A required attribute or element is missing: the request fails schema validation at Exchange. */
export function schemaError(what: string): EwsError {
  return new SchemaError(`The request failed schema validation: ${what}`);
}

/** Raised before any item is touched; the endpoint answers it as a SOAP fault. */
export class SchemaError extends EwsError {
  constructor(message: string) {
    super('ErrorSchemaValidation', message);
  }
}
