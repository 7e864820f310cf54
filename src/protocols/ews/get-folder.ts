/** GetFolder: folders by id or distinguished name; one result per requested id. */
import { responseCode, responseMessages, type EwsClient } from './client.js';
import { folderShapeXml, readFolders, type EwsFolder } from './find-folder.js';
import { folderIdXml, type FolderRef } from './ids.js';
import { attr, child, el, type XmlElement } from './soap.js';

export function getFolderXml(refs: readonly FolderRef[]): XmlElement {
  return el('m:GetFolder', {}, folderShapeXml(), el('m:FolderIds', {}, ...refs.map(folderIdXml)));
}

/**
 * With `tolerateMissing`, a folder the mailbox lacks (ErrorFolderNotFound: no Junk Email on
 * some Exchange Servers) comes back undefined; any other error still throws.
 */
export async function getFolders(client: EwsClient, refs: readonly FolderRef[], o: { tolerateMissing?: boolean } = {}): Promise<Array<EwsFolder | undefined>> {
  const resp = await client.call('GetFolder', getFolderXml(refs), o.tolerateMissing ? { tolerateErrors: true } : {});
  return responseMessages(resp).map((m) => {
    if (attr(m, 'ResponseClass') === 'Error') {
      if (responseCode(m) === 'ErrorFolderNotFound') return undefined;
      throw client.fail('GetFolder', m);
    }
    return readFolders(child(m, 'Folders'))[0];
  });
}
