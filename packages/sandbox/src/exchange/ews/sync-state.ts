import { EwsError } from './soap.js';

/**
 * SyncFolderItems' SyncState: opaque to the client; ours names the folder and the position in
 * its change log, so a state from another folder or a tampered one is refused
 * (ErrorInvalidSyncStateData) instead of silently resyncing.
 */

interface State {
  folder: string;
  seq: number;
}

export function encodeSyncState(s: State): string {
  return Buffer.from(JSON.stringify({ v: 1, f: s.folder, s: s.seq }), 'utf8').toString('base64');
}

export function decodeSyncState(raw: string | undefined, folder: string): State {
  if (!raw) return { folder, seq: 0 };
  const invalid = () => new EwsError('ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw invalid();
  }
  const o = parsed as { v?: unknown; f?: unknown; s?: unknown };
  if (o?.v !== 1 || o.f !== folder || typeof o.s !== 'number' || !Number.isInteger(o.s) || o.s < 0) throw invalid();
  return { folder, seq: o.s };
}
