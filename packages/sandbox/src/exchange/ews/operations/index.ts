import { copyItem, moveItem } from './move-copy-item.js';
import { createAttachment } from './create-attachment.js';
import { createFolder } from './create-folder.js';
import { createItem } from './create-item.js';
import { deleteItem } from './delete-item.js';
import { findFolder } from './find-folder.js';
import { findItem } from './find-item.js';
import { getAttachment } from './get-attachment.js';
import { getFolder } from './get-folder.js';
import { getItem } from './get-item.js';
import { resolveNames } from './resolve-names.js';
import { subscribe, unsubscribe } from './subscribe.js';
import { syncFolderItems } from './sync-folder-items.js';
import { getServerTimeZones } from './get-server-time-zones.js';
import { getUserAvailability } from './get-user-availability.js';
import type { Operation, PlainOperation } from './types.js';
import { updateItem } from './update-item.js';

/** The EWS operations the sandbox answers, by the local name of their m: request element. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  FindItem: findItem,
  GetItem: getItem,
  CreateItem: createItem,
  UpdateItem: updateItem,
  MoveItem: moveItem,
  CopyItem: copyItem,
  DeleteItem: deleteItem,
  GetAttachment: getAttachment,
  CreateAttachment: createAttachment,
  FindFolder: findFolder,
  GetFolder: getFolder,
  SyncFolderItems: syncFolderItems,
  Subscribe: subscribe,
  Unsubscribe: unsubscribe,
  ResolveNames: resolveNames,
  CreateFolder: createFolder,
  GetServerTimeZones: getServerTimeZones,
};

/** Operations whose response is not a list of response messages, by request element name. */
export const PLAIN_OPERATIONS: Readonly<Record<string, PlainOperation>> = {
  GetUserAvailabilityRequest: getUserAvailability,
};
