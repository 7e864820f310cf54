import { buildXml, NS, type XmlObject } from './xml.js';

/**
 * SOAP 1.1 framing as Exchange Online writes it: the ServerVersionInfo header, the m:…Response
 * body with one response message per requested item, and SOAP faults for failures that stop the
 * whole request (schema, impersonation header, throttling).
 */

/** A per-item or per-request EWS failure: `code` is a ResponseCodeType value of messages.xsd. */
export class EwsError extends Error {
  constructor(readonly code: string, message: string, readonly messageXml?: XmlObject) {
    super(message);
  }
}

/** Failures that Exchange reports as a SOAP fault (HTTP 500) instead of an error response message. */
export class EwsFault extends EwsError {}

const SERVER_VERSION = {
  '@_MajorVersion': 15, '@_MinorVersion': 20, '@_MajorBuildNumber': 8, '@_MinorBuildNumber': 0, '@_Version': 'V2018_01_08',
  '@_xmlns:h': NS.t, '@_xmlns': NS.t, '@_xmlns:xsd': NS.xsd, '@_xmlns:xsi': NS.xsi,
};

function envelope(body: XmlObject, withVersion: boolean): string {
  return '<?xml version="1.0" encoding="utf-8"?>' + buildXml({
    's:Envelope': {
      '@_xmlns:s': NS.soap,
      ...(withVersion ? { 's:Header': { 'h:ServerVersionInfo': SERVER_VERSION } } : {}),
      's:Body': { '@_xmlns:xsi': NS.xsi, '@_xmlns:xsd': NS.xsd, ...body },
    },
  });
}

/** The response document for an operation: `<m:{op}Response>` with its response messages. */
export function responseEnvelope(operation: string, messages: { element: string; body: XmlObject }[]): string {
  const grouped: XmlObject = {};
  // The builder groups equal keys; every message of one response has the same element name.
  for (const msg of messages) {
    const key = `m:${msg.element}`;
    const list = (grouped[key] ??= []) as XmlObject[];
    list.push(msg.body);
  }
  return envelope({
    [`m:${operation}Response`]: { '@_xmlns:m': NS.m, '@_xmlns:t': NS.t, 'm:ResponseMessages': grouped },
  }, true);
}

/** A Success response message; `rest` holds the operation's elements in schema order. */
export function success(rest: XmlObject = {}): XmlObject {
  return { '@_ResponseClass': 'Success', 'm:ResponseCode': 'NoError', ...rest };
}

/** An Error response message; `rest` holds elements the schema requires even on error (m:Items). */
export function failure(err: EwsError, rest: XmlObject = {}): XmlObject {
  return {
    '@_ResponseClass': 'Error',
    'm:MessageText': err.message,
    'm:ResponseCode': err.code,
    'm:DescriptiveLinkKey': 0,
    ...(err.messageXml ? { 'm:MessageXml': err.messageXml } : {}),
    ...rest,
  };
}

/** A SOAP 1.1 fault in Exchange's shape (faultcode a:Error…, detail with e:ResponseCode and e:Message). */
export function faultEnvelope(err: EwsError): string {
  return envelope({
    's:Fault': {
      faultcode: { '@_xmlns:a': NS.t, '#text': `a:${err.code}` },
      faultstring: { '@_xml:lang': 'en-US', '#text': err.message },
      detail: {
        'e:ResponseCode': { '@_xmlns:e': NS.e, '#text': err.code },
        'e:Message': { '@_xmlns:e': NS.e, '#text': err.message },
        ...(err.messageXml ? { 't:MessageXml': { '@_xmlns:t': NS.t, ...err.messageXml } } : {}),
      },
    },
  }, false);
}

/** ErrorServerBusy with the BackOffMilliseconds hint clients wait for. */
export function serverBusy(backOffMs: number): EwsFault {
  return new EwsFault('ErrorServerBusy', 'The server cannot service this request right now. Try again later.', {
    't:Value': { '@_Name': 'BackOffMilliseconds', '#text': String(backOffMs) },
  });
}

/** EWS's xs:dateTime form: UTC, whole seconds. */
export const ewsDate = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The response document of an operation whose body is not a list of response messages
 * (GetUserAvailability answers m:GetUserAvailabilityResponse with m:FreeBusyResponseArray).
 */
export function plainResponseEnvelope(element: string, body: XmlObject): string {
  return envelope({ [`m:${element}`]: { '@_xmlns:m': NS.m, '@_xmlns:t': NS.t, ...body } }, true);
}
