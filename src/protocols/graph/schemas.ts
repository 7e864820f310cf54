import { z } from 'zod';

/**
 * The parts of Graph's JSON resources mailbridge reads (microsoft.md §5), checked at the
 * boundary. Unknown properties are kept (loose) since Graph adds them freely.
 */

export const emailAddressSchema = z.object({
  name: z.string().nullish(),
  address: z.string().nullish(),
});
export const recipientSchema = z.object({ emailAddress: emailAddressSchema });
export type GraphRecipient = z.infer<typeof recipientSchema>;

export const graphMessageSchema = z.object({
  id: z.string(),
  subject: z.string().nullish(),
  from: recipientSchema.nullish(),
  sender: recipientSchema.nullish(),
  toRecipients: z.array(recipientSchema).nullish(),
  ccRecipients: z.array(recipientSchema).nullish(),
  receivedDateTime: z.string().nullish(),
  sentDateTime: z.string().nullish(),
  // The delta doc's sample has "isRead": "true"; the service sends booleans, both are read.
  isRead: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).nullish(),
  flag: z.object({ flagStatus: z.string().nullish() }).nullish(),
  hasAttachments: z.boolean().nullish(),
  internetMessageId: z.string().nullish(),
  parentFolderId: z.string().nullish(),
  importance: z.string().nullish(),
}).loose();
export type GraphMessage = z.infer<typeof graphMessageSchema>;

export const mailFolderSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  parentFolderId: z.string().nullish(),
  childFolderCount: z.number().nullish(),
  totalItemCount: z.number().nullish(),
  unreadItemCount: z.number().nullish(),
}).loose();
export type GraphMailFolder = z.infer<typeof mailFolderSchema>;

export const attachmentSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string(),
  name: z.string().nullish(),
  contentType: z.string().nullish(),
  size: z.number().nullish(),
  isInline: z.boolean().nullish(),
  contentId: z.string().nullish(),
}).loose();
export type GraphAttachment = z.infer<typeof attachmentSchema>;

/** A message gone from a delta round: `{"id": "...", "@removed": {"reason": "deleted"}}`. */
export const removedSchema = z.object({ id: z.string(), '@removed': z.object({ reason: z.string().optional() }).loose() }).loose();
