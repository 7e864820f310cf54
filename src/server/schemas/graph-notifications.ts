import { z } from 'zod';

/**
 * What Microsoft Graph posts to a notification URL: a collection of change notifications
 * (https://learn.microsoft.com/en-us/graph/api/resources/changenotificationcollection) or of
 * lifecycle notifications (https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events).
 * Loose: Graph adds properties; only what mailbridge acts on is required.
 */
export const graphNotificationSchema = z.looseObject({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(128).nullish(),
  changeType: z.string().optional(),
  lifecycleEvent: z.string().max(64).optional(),
  resource: z.string().optional(),
  tenantId: z.string().optional(),
  subscriptionExpirationDateTime: z.string().optional(),
});

export const graphNotificationCollectionSchema = z
  .looseObject({ value: z.array(graphNotificationSchema).max(1000) })
  .meta({
    id: 'GraphNotificationCollection',
    example: {
      value: [
        {
          subscriptionId: '7f105c7d-2dc5-4530-97cd-4e7ae6534c07',
          clientState: '(the secret given at subscription)',
          changeType: 'created',
          resource: 'Users/alice@contoso.com/Messages/AAMkAGUAAAwqAAA=',
          tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
        },
      ],
    },
  });

export const graphNotificationParams = z.object({ trigger: z.string().min(1).describe("the trigger's name") });

export const graphNotificationQuery = z.object({
  validationToken: z
    .string()
    .optional()
    .describe('sent by Graph when a subscription is created: echoed back as text/plain'),
});
