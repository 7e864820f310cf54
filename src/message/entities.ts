/**
 * Calendar events, contacts and tasks: the Exchange connector's other entities, with the same
 * query/get/add/update/delete operations over EWS and Graph. Field names follow Graph's,
 * which EWS maps onto; a protocol without these entities (IMAP, POP3, SMTP) throws
 * UnsupportedError naming EWS or Graph.
 */
export type EntityKind = 'calendar' | 'contacts' | 'tasks';

export interface CalendarEvent {
  id: string;
  subject: string;
  /** ISO 8601 with offset, or UTC `Z`. */
  start: string;
  end: string;
  location?: string;
  body?: string;
  attendees?: string[];
  isAllDay?: boolean;
}

export interface Contact {
  id: string;
  displayName?: string;
  givenName?: string;
  surname?: string;
  emailAddresses: string[];
  businessPhones?: string[];
  companyName?: string;
}

export interface Task {
  id: string;
  title: string;
  status: 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';
  /** ISO date-time. */
  dueDateTime?: string;
  body?: string;
  importance?: 'low' | 'normal' | 'high';
}

export interface EntityTypes {
  calendar: CalendarEvent;
  contacts: Contact;
  tasks: Task;
}

/** What `add` and `update` take: the entity without its id (update: any subset). */
export type EntityInput<K extends EntityKind> = Omit<EntityTypes[K], 'id'>;

export interface EntityQuery {
  /** Calendar: events overlapping [from, to). */
  from?: Date;
  to?: Date;
  /** Free text matched against subject / display name / title. */
  text?: string;
  limit?: number;
}

export interface EntityStore<K extends EntityKind> {
  list(query?: EntityQuery): Promise<EntityTypes[K][]>;
  get(id: string): Promise<EntityTypes[K]>;
  add(input: EntityInput<K>): Promise<EntityTypes[K]>;
  update(id: string, patch: Partial<EntityInput<K>>): Promise<EntityTypes[K]>;
  delete(id: string): Promise<void>;
}

/** A resource that has calendar, contacts and tasks (EWS and Graph). */
export interface EntityBackend {
  entities<K extends EntityKind>(kind: K): EntityStore<K>;
}
