import type { DirectoryUser, ItemRecord } from '../../contract.js';
import { itemId } from '../ids.js';
import { EwsError, success } from '../soap.js';
import { xmlSafe, type XmlObject } from '../xml.js';
import { schemaError, type Operation } from './types.js';

/**
 * ResolveNames: the directory's users (mailboxes) and the caller's contacts whose name or address
 * starts with the entry (word prefixes, case-insensitive; `SMTP:` stripped). One match: Success;
 * several: Warning ErrorNameResolutionMultipleResults with every match (at most 100);
 * none: Error ErrorNameResolutionNoResults.
 * https://learn.microsoft.com/exchange/client-developer/web-service-reference/resolvenames
 */
const MAX_RESOLUTIONS = 100;

interface Candidate {
  name: string;
  address: string;
  directory?: DirectoryUser;
  contact?: ItemRecord;
}

function matches(entry: string, c: Candidate): boolean {
  const words = [...c.name.toLowerCase().split(/\s+/), c.name.toLowerCase(), c.address, c.address.split('@')[0]!];
  return words.some((w) => w.startsWith(entry));
}

function resolution(c: Candidate, fullContact: boolean): XmlObject {
  const mailbox: XmlObject = {
    't:Name': xmlSafe(c.name),
    't:EmailAddress': xmlSafe(c.address),
    't:RoutingType': 'SMTP',
    't:MailboxType': c.contact ? 'Contact' : 'Mailbox',
    ...(c.contact
      ? { 't:ItemId': { '@_Id': itemId('contacts', c.contact.id), '@_ChangeKey': c.contact.changeKey } }
      : {}),
  };
  if (!fullContact) return { 't:Mailbox': mailbox };
  const given =
    c.directory?.givenName ?? (typeof c.contact?.data.givenName === 'string' ? c.contact.data.givenName : undefined);
  const surname =
    c.directory?.surname ?? (typeof c.contact?.data.surname === 'string' ? c.contact.data.surname : undefined);
  // ContactItemType elements in types.xsd order.
  const contact: XmlObject = {
    't:DisplayName': xmlSafe(c.name),
    ...(given ? { 't:GivenName': xmlSafe(given) } : {}),
    't:EmailAddresses': { 't:Entry': [{ '@_Key': 'EmailAddress1', '#text': xmlSafe(`SMTP:${c.address}`) }] },
    't:ContactSource': c.contact ? 'Store' : 'ActiveDirectory',
    ...(surname ? { 't:Surname': xmlSafe(surname) } : {}),
  };
  return { 't:Mailbox': mailbox, 't:Contact': contact };
}

export const resolveNames: Operation = async (call, op) => {
  const entryNode = op.children.find((c) => c.name === 'UnresolvedEntry');
  const entry = (entryNode?.text ?? '')
    .trim()
    .replace(/^smtp:/i, '')
    .toLowerCase();
  if (!entryNode) throw schemaError("The element 'ResolveNames' is missing 'UnresolvedEntry'.");
  const fullContact = op.attrs.ReturnFullContactData === 'true';
  const scope = op.attrs.SearchScope ?? 'ActiveDirectoryContacts';
  const candidates: Candidate[] = [];
  if (scope !== 'Contacts') {
    for (const u of call.ctx.directory.values()) {
      candidates.push({ name: u.displayName, address: u.userPrincipalName.toLowerCase(), directory: u });
    }
  }
  if (scope !== 'ActiveDirectory') {
    for (const rec of call.mailbox.contacts.list()) {
      const emails = Array.isArray(rec.data.emailAddresses) ? rec.data.emailAddresses : [];
      const first = emails
        .map((e) => (e && typeof e === 'object' ? (e as { address?: unknown }).address : undefined))
        .find((a) => typeof a === 'string');
      if (typeof first !== 'string') continue;
      const name =
        typeof rec.data.displayName === 'string'
          ? rec.data.displayName
          : [rec.data.givenName, rec.data.surname].filter((x) => typeof x === 'string').join(' ') || first;
      candidates.push({ name, address: first.toLowerCase(), contact: rec });
    }
  }
  const found = entry === '' ? [] : candidates.filter((c) => matches(entry, c)).slice(0, MAX_RESOLUTIONS);
  const element = 'ResolveNamesResponseMessage';
  if (found.length === 0) {
    const e = new EwsError('ErrorNameResolutionNoResults', 'No results were found.');
    return [
      {
        element,
        body: {
          '@_ResponseClass': 'Error',
          'm:MessageText': e.message,
          'm:ResponseCode': e.code,
          'm:DescriptiveLinkKey': 0,
        },
      },
    ];
  }
  const set = {
    'm:ResolutionSet': {
      '@_TotalItemsInView': found.length,
      '@_IncludesLastItemInRange': true,
      't:Resolution': found.map((c) => resolution(c, fullContact)),
    },
  };
  if (found.length === 1) return [{ element, body: success(set) }];
  return [
    {
      element,
      body: {
        '@_ResponseClass': 'Warning',
        'm:MessageText': 'Multiple results were found.',
        'm:ResponseCode': 'ErrorNameResolutionMultipleResults',
        'm:DescriptiveLinkKey': 0,
        ...set,
      },
    },
  ];
};
