/**
 * What each route needs from the token: delegated scopes (any one) and app roles (any one),
 * per Microsoft's permission tables. `.Shared` scopes open other people's mailboxes.
 */
export type GraphNeed =
  | 'mail.read' | 'mail.write' | 'mail.send'
  | 'calendars.read' | 'calendars.write' | 'contacts.read' | 'contacts.write' | 'tasks.read' | 'tasks.write';

export const NEEDS: Record<GraphNeed, { anyScope: string[]; anyRole: string[] }> = {
  'mail.read': {
    anyScope: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
    anyRole: ['Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite'],
  },
  'mail.write': { anyScope: ['Mail.ReadWrite', 'Mail.ReadWrite.Shared'], anyRole: ['Mail.ReadWrite'] },
  'mail.send': { anyScope: ['Mail.Send', 'Mail.Send.Shared'], anyRole: ['Mail.Send'] },
  'calendars.read': {
    anyScope: ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.Read.Shared', 'Calendars.ReadWrite.Shared'],
    anyRole: ['Calendars.Read', 'Calendars.ReadWrite'],
  },
  'calendars.write': { anyScope: ['Calendars.ReadWrite', 'Calendars.ReadWrite.Shared'], anyRole: ['Calendars.ReadWrite'] },
  'contacts.read': {
    anyScope: ['Contacts.Read', 'Contacts.ReadWrite', 'Contacts.Read.Shared', 'Contacts.ReadWrite.Shared'],
    anyRole: ['Contacts.Read', 'Contacts.ReadWrite'],
  },
  'contacts.write': { anyScope: ['Contacts.ReadWrite', 'Contacts.ReadWrite.Shared'], anyRole: ['Contacts.ReadWrite'] },
  'tasks.read': { anyScope: ['Tasks.Read', 'Tasks.ReadWrite', 'Tasks.Read.Shared', 'Tasks.ReadWrite.Shared'], anyRole: ['Tasks.Read.All', 'Tasks.ReadWrite.All'] },
  'tasks.write': { anyScope: ['Tasks.ReadWrite', 'Tasks.ReadWrite.Shared'], anyRole: ['Tasks.ReadWrite.All'] },
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a Graph route needs; routes without it (upload URLs) skip token checks. */
    graph?: GraphNeed | 'subscriptions';
  }
}
