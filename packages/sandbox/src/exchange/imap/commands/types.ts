import type { ImapSession, SessionState } from '../session.js';
import type { ImapCommand } from '../wire/parser.js';

/** The tagged reply a command ends with. */
export interface CommandResult {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code without brackets (APPENDUID 1 2, READ-WRITE, TRYCREATE...). */
  code?: string;
  text: string;
  /** Do not flush folder updates before this reply (faults). */
  noUpdates?: boolean;
  /** The command already sent its tagged reply (STARTTLS must answer before the handshake). */
  silent?: boolean;
}

export interface CommandHandler {
  /** The states the command is valid in (RFC 3501 §6). */
  states: readonly SessionState[];
  run(session: ImapSession, cmd: ImapCommand, uid: boolean): Promise<CommandResult>;
}

export const ANY: readonly SessionState[] = ['notauth', 'auth', 'selected'];
export const NOT_AUTHENTICATED: readonly SessionState[] = ['notauth'];
export const AUTHENTICATED: readonly SessionState[] = ['auth', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];
