import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerItemRoutes } from '../items.js';

const dateTimeTimeZone = z.object({ dateTime: z.string().min(1), timeZone: z.string().min(1) });

/** Calendar events (the default calendar): /events and /calendar/events. */
export function registerEventRoutes(app: FastifyInstance): void {
  registerItemRoutes(app, {
    paths: ['/events', '/calendar/events'],
    entitySet: () => 'events',
    typeName: 'microsoft.graph.event',
    collection: (call) => call.mailbox.calendar,
    read: 'calendars.read',
    write: 'calendars.write',
    createSchema: z.object({ subject: z.string(), start: dateTimeTimeZone, end: dateTimeTimeZone }).loose(),
  });
}
