/** `<m:ItemShape>`: which properties an item-returning operation sends back. */
import { el, type XmlElement } from './soap.js';

export interface ItemShape {
  /** Default IdOnly: ask for exactly what is read. */
  base?: 'IdOnly' | 'Default' | 'AllProperties';
  /** The RFC 5322 source as base64 `<t:MimeContent>` (messages). */
  mime?: boolean;
  bodyType?: 'Best' | 'HTML' | 'Text';
  /** FieldURIs (item:Subject, message:IsRead…). */
  properties?: readonly string[];
}

export function itemShapeXml(s: ItemShape = {}, name = 'm:ItemShape'): XmlElement {
  const props = s.properties ?? [];
  return el(name, {},
    el('t:BaseShape', {}, s.base ?? 'IdOnly'),
    s.mime !== undefined && el('t:IncludeMimeContent', {}, String(s.mime)),
    s.bodyType !== undefined && el('t:BodyType', {}, s.bodyType),
    props.length > 0 && el('t:AdditionalProperties', {}, ...props.map((p) => el('t:FieldURI', { FieldURI: p }))),
  );
}
