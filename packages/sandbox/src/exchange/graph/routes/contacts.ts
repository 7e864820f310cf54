import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerItemRoutes } from '../items.js';

/** Contacts of the default contact folder: /contacts. */
export function registerContactRoutes(app: FastifyInstance): void {
  registerItemRoutes(app, {
    paths: ['/contacts'],
    entitySet: () => 'contacts',
    typeName: 'microsoft.graph.contact',
    collection: (call) => call.mailbox.contacts,
    read: 'contacts.read',
    write: 'contacts.write',
    createSchema: z.object({
      givenName: z.string().optional(),
      surname: z.string().optional(),
      displayName: z.string().optional(),
      emailAddresses: z.array(z.object({ address: z.string(), name: z.string().optional() })).optional(),
    }).loose(),
  });
}
