import type { EwsCall } from '../context.js';
import { firstFolderRef, resolveFolder, type EwsFolder } from '../folders.js';
import { itemId } from '../ids.js';
import { composeMime, type Address } from '../mime.js';
import { recordFields, RECORD_ELEMENTS } from '../records.js';
import { assertMaySendAs, envelopeOf, transport } from '../send.js';
import { EwsError } from '../soap.js';
import { m, t, ts, tText, NS, type XNode, type XmlObject } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

const DISPOSITIONS = ['SaveOnly', 'SendOnly', 'SendAndSaveCopy'] as const;
type Disposition = (typeof DISPOSITIONS)[number];

const recipientList = (node: XNode, name: string): Address[] =>
  ts(t(node, name), 'Mailbox').map((mb) => {
    const address = tText(mb, 'EmailAddress');
    if (!address) throw new EwsError('ErrorInvalidRecipients', `A recipient in ${name} has no EmailAddress.`);
    const name_ = tText(mb, 'Name');
    return { address: address.toLowerCase(), ...(name_ ? { name: name_ } : {}) };
  });

/** A t:Message as RFC 5322: its MimeContent, or composed from its properties. */
async function messageMime(call: EwsCall, node: XNode, keepBcc: boolean): Promise<{ raw: Buffer; from?: string; recipients: string[] }> {
  const mime = t(node, 'MimeContent');
  if (mime) {
    const raw = Buffer.from(mime.text.trim(), 'base64');
    if (!raw.length) throw new EwsError('ErrorMimeContentConversionFailed', 'The MimeContent is empty or not base64.');
    return { raw, ...(await envelopeOf(raw)) };
  }
  const fromNode = t(t(node, 'From'), 'Mailbox');
  const from: Address = fromNode ? { address: (tText(fromNode, 'EmailAddress') ?? '').toLowerCase(), ...(tText(fromNode, 'Name') ? { name: tText(fromNode, 'Name')! } : {}) } : { address: call.mailbox.address, name: call.mailbox.displayName };
  const to = recipientList(node, 'ToRecipients');
  const cc = recipientList(node, 'CcRecipients');
  const bcc = recipientList(node, 'BccRecipients');
  const bodyNode = t(node, 'Body');
  const importance = tText(node, 'Importance')?.toLowerCase();
  const attachments = ts(t(node, 'Attachments'), 'FileAttachment').map((a) => ({
    name: tText(a, 'Name') ?? 'attachment',
    contentType: tText(a, 'ContentType') ?? 'application/octet-stream',
    content: Buffer.from(tText(a, 'Content') ?? '', 'base64'),
    ...(tText(a, 'ContentId') ? { contentId: tText(a, 'ContentId')! } : {}),
    inline: tText(a, 'IsInline') === 'true',
  }));
  const raw = await composeMime({
    from, to, cc, bcc, replyTo: recipientList(node, 'ReplyTo'),
    subject: tText(node, 'Subject') ?? '',
    ...(bodyNode ? { body: { type: bodyNode.attrs.BodyType === 'HTML' ? 'HTML' : 'Text', content: bodyNode.text } } : {}),
    ...(importance === 'low' || importance === 'high' || importance === 'normal' ? { importance } : {}),
    date: new Date(call.ctx.now()),
    attachments,
  }, keepBcc);
  return { raw, from: from.address, recipients: [...new Set([...to, ...cc, ...bcc].map((a) => a.address))] };
}

function flagsFor(node: XNode, disposition: Disposition): string[] {
  const flags: string[] = [];
  if (disposition === 'SaveOnly') flags.push('\\Draft');
  if (disposition !== 'SaveOnly' || tText(node, 'IsRead') === 'true') flags.push('\\Seen');
  flags.push(...ts(t(node, 'Categories'), 'String').map((s) => s.text.trim()).filter(Boolean));
  return flags;
}

async function createMessage(call: EwsCall, node: XNode, disposition: Disposition | undefined, saveTo: XNode | undefined): Promise<XmlObject> {
  if (!disposition) throw new EwsError('ErrorMessageDispositionRequired', 'MessageDisposition is required for this request.');
  const target: EwsFolder = saveTo ? resolveFolder(call, saveTo) : resolveFolder(call, { ns: NS.t, name: 'DistinguishedFolderId', attrs: { Id: disposition === 'SaveOnly' ? 'drafts' : 'sentitems' }, children: [], text: '' });
  if (target.kind !== 'mail') throw new EwsError('ErrorInvalidOperation', 'Messages can only be saved in mail folders.');
  const saved = await messageMime(call, node, true);
  if (disposition !== 'SaveOnly') {
    assertMaySendAs(call, saved.from);
    // The transported copy never carries Bcc; the saved copy keeps it, as Sent Items does.
    await transport(call, saved.raw, saved.recipients);
  }
  if (disposition === 'SendOnly') return { 'm:Items': '' };
  const stored = await target.folder.append(saved.raw, { flags: flagsFor(node, disposition), receivedAt: call.ctx.now() });
  // SendAndSaveCopy answers without the item's id, as Exchange does.
  if (disposition === 'SendAndSaveCopy') return { 'm:Items': '' };
  return { 'm:Items': { 't:Message': { 't:ItemId': { '@_Id': itemId('message', stored.id), '@_ChangeKey': stored.changeKey } } } };
}

function createRecord(call: EwsCall, node: XNode): XmlObject {
  const coll = RECORD_ELEMENTS[node.name]!;
  const data = recordFields(coll, node);
  if (coll === 'contacts' && data.displayName === undefined) {
    data.displayName = [data.givenName, data.surname].filter((v) => typeof v === 'string').join(' ');
  }
  const rec = call.mailbox[coll].create(data);
  return { 'm:Items': { [`t:${node.name}`]: { 't:ItemId': { '@_Id': itemId(coll, rec.id), '@_ChangeKey': rec.changeKey } } } };
}

export const createItem: Operation = async (call, op) => {
  const items = m(op, 'Items')?.children ?? [];
  if (!m(op, 'Items')) throw schemaError("The element 'CreateItem' is missing 'Items'.");
  const dispositionAttr = op.attrs.MessageDisposition;
  if (dispositionAttr !== undefined && !(DISPOSITIONS as readonly string[]).includes(dispositionAttr)) {
    throw schemaError(`The 'MessageDisposition' attribute is invalid - the value '${dispositionAttr}' is invalid.`);
  }
  const disposition = dispositionAttr as Disposition | undefined;
  const saveTo = firstFolderRef(m(op, 'SavedItemFolderId'));
  return each('CreateItemResponseMessage', items, async (node) => {
    if (node.ns === NS.t && node.name === 'Message') return createMessage(call, node, disposition, saveTo);
    if (node.ns === NS.t && RECORD_ELEMENTS[node.name]) return createRecord(call, node);
    throw new EwsError('ErrorInvalidOperation', `Creating <${node.name}> items is not supported by the sandbox.`);
  }, { 'm:Items': '' });
};
