import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes `file` (and its folder, when new) readable by this user only. The embedded SQLite file
 * holds the signing keys and, as the embedded store, live sessions and tokens; SQLite gives its
 * -wal and -shm files the same permissions as the database file.
 */
export function ensurePrivateFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
