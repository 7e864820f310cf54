import { append } from './append.js';
import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { copy, move } from './copy.js';
import { close, expunge, unselect } from './expunge.js';
import { fetch } from './fetch.js';
import { create, del, rename, subscribe, unsubscribe } from './folders.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list, lsub } from './list.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { namespace } from './namespace.js';
import { check, noop } from './noop.js';
import { search } from './search.js';
import { examine, select } from './select.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import type { CommandHandler } from './types.js';

/** Every command by name (RFC 3501 plus UIDPLUS, MOVE, ID, UNSELECT, IDLE, NAMESPACE). */
export const COMMANDS: Partial<Record<string, CommandHandler>> = {
  CAPABILITY: capability, NOOP: noop, LOGOUT: logout, ID: id, STARTTLS: starttls,
  LOGIN: login, AUTHENTICATE: authenticate, NAMESPACE: namespace,
  LIST: list, LSUB: lsub, STATUS: status, SELECT: select, EXAMINE: examine,
  CREATE: create, DELETE: del, RENAME: rename, SUBSCRIBE: subscribe, UNSUBSCRIBE: unsubscribe,
  APPEND: append, IDLE: idle, CHECK: check, CLOSE: close, UNSELECT: unselect, EXPUNGE: expunge,
  SEARCH: search, FETCH: fetch, STORE: store, COPY: copy, MOVE: move,
};

/** The commands UID may prefix. */
export const UID_COMMANDS: Partial<Record<string, CommandHandler>> = {
  SEARCH: search, FETCH: fetch, STORE: store, COPY: copy, MOVE: move, EXPUNGE: expunge,
};
