import Database from 'better-sqlite3';
import { DependencyUnavailableError } from '../errors.ts';
import { errorCodes, isSqliteUnavailableCode } from '../lib/error-causes.ts';
import { ensurePrivateFile } from '../lib/private-file.ts';
import { assertTtl, type ConsumeOutcome, type KeyValueStore, type StoreWrite } from './key-value.ts';

export interface SqliteStoreOptions {
  /** The embedded database file (shared with the embedded user database when there is one). */
  file: string;
  now?: () => number;
}

const SWEEP_INTERVAL_MS = 60_000;
/** Expired rows deleted per sweep statement: a big backlog is cleared without one long lock. */
const SWEEP_BATCH = 5_000;

/**
 * Its own tables, created here rather than by a migration: they hold only expiring state, never
 * data the schema history must carry, and exist only in the embedded file. A set's expiry lives
 * once, in kv_sets: adding a member is then the same small write however big the set has grown
 * (a grant's index gains one per refresh; a person's sessions one per sign-in).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv_entries (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_entries_expiry ON kv_entries (expires_at);
CREATE TABLE IF NOT EXISTS kv_set_members (set_key TEXT NOT NULL, member TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (set_key, member)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv_sets (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_sets_expiry ON kv_sets (expires_at);`;

/**
 * Files written before kv_sets existed kept the expiry on every member (all of a live set's
 * members shared it): each live set gets its row, expired members go. Idempotent, so two
 * processes opening the file at once (the server and the admin CLI) do no harm.
 */
function moveSetExpiries(db: Database.Database, time: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM kv_set_members WHERE expires_at <= ?').run(time);
    db.prepare('INSERT OR IGNORE INTO kv_sets (key, expires_at) SELECT set_key, max(expires_at) FROM kv_set_members GROUP BY set_key').run();
    db.exec('DROP INDEX IF EXISTS kv_set_members_expiry');
  })();
}

/**
 * The embedded store: one instance, persisted in the SQLite file so a restart or upgrade loses no
 * session, refresh token, pending sign-in or emailed link. Each operation is one statement (or
 * one transaction), which SQLite runs atomically even across processes sharing the file; the
 * operations of one event-loop turn share a commit. Expired rows are invisible at once and swept
 * every minute.
 */
export function createSqliteStore({ file, now = Date.now }: SqliteStoreOptions): KeyValueStore {
  ensurePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // WAL with synchronous=NORMAL survives a crash of the process; only a power cut may lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 2000');
  const hadSetExpiries = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv_sets'").get() !== undefined;
  db.exec(SCHEMA);
  if (!hadSetExpiries) moveSetExpiries(db, now());

  const statements = {
    ping: db.prepare('SELECT 1'),
    get: db.prepare<[string, number], { value: string }>('SELECT value FROM kv_entries WHERE key = ? AND expires_at > ?'),
    getVia: db.prepare<[string, string, number, number], { value: string }>(
      `SELECT target.value FROM kv_entries via JOIN kv_entries target ON target.key = ? || via.value
       WHERE via.key = ? AND via.expires_at > ? AND target.expires_at > ?`,
    ),
    set: db.prepare('INSERT INTO kv_entries (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at'),
    swap: db.prepare('UPDATE kv_entries SET value = ? WHERE key = ? AND value = ? AND expires_at > ?'),
    // json_type is NULL only when the top-level member is absent (a JSON null counts as consumed).
    markConsumed: db.prepare("UPDATE kv_entries SET value = json_set(value, '$.consumed', ?) WHERE key = ? AND expires_at > ? AND json_type(value, '$.consumed') IS NULL"),
    take: db.prepare<[string, number], { value: string }>('DELETE FROM kv_entries WHERE key = ? AND expires_at > ? RETURNING value'),
    deleteEntry: db.prepare('DELETE FROM kv_entries WHERE key = ?'),
    deleteSetMembers: db.prepare('DELETE FROM kv_set_members WHERE set_key = ?'),
    deleteSet: db.prepare('DELETE FROM kv_sets WHERE key = ?'),
    setRow: db.prepare<[string], { expires_at: number }>('SELECT expires_at FROM kv_sets WHERE key = ?'),
    setExpiry: db.prepare<[string, number], { expires_at: number }>('SELECT expires_at FROM kv_sets WHERE key = ? AND expires_at > ?'),
    // A live set's expiry only grows; an expired one (its members already gone) starts afresh.
    upsertSet: db.prepare(
      `INSERT INTO kv_sets (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = CASE WHEN kv_sets.expires_at > ? THEN max(kv_sets.expires_at, excluded.expires_at) ELSE excluded.expires_at END`,
    ),
    removeMember: db.prepare('DELETE FROM kv_set_members WHERE set_key = ? AND member = ?'),
    addMember: db.prepare('INSERT INTO kv_set_members (set_key, member, expires_at) VALUES (?, ?, ?) ON CONFLICT (set_key, member) DO NOTHING'),
    members: db.prepare<[string, number], { member: string }>(
      'SELECT m.member FROM kv_set_members m JOIN kv_sets s ON s.key = m.set_key WHERE m.set_key = ? AND s.expires_at > ?',
    ),
    increment: db.prepare<[string, number, number, number], { value: string }>(
      `INSERT INTO kv_entries (key, value, expires_at) VALUES (?, '1', ?)
       ON CONFLICT (key) DO UPDATE SET
         value = CASE WHEN expires_at > ? THEN CAST(CAST(value AS INTEGER) + 1 AS TEXT) ELSE '1' END,
         expires_at = CASE WHEN expires_at > ? THEN expires_at ELSE excluded.expires_at END
       RETURNING value`,
    ),
    decrement: db.prepare("UPDATE kv_entries SET value = CAST(CAST(value AS INTEGER) - 1 AS TEXT) WHERE key = ? AND expires_at > ? AND CAST(value AS INTEGER) > 0"),
    entryExpiry: db.prepare<[string, number], { expires_at: number }>('SELECT expires_at FROM kv_entries WHERE key = ? AND expires_at > ?'),
    sweepEntries: db.prepare(`DELETE FROM kv_entries WHERE key IN (SELECT key FROM kv_entries WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
    // Members of expired sets first, then the sets left without members.
    sweepMembers: db.prepare(
      `DELETE FROM kv_set_members WHERE (set_key, member) IN
         (SELECT m.set_key, m.member FROM kv_sets s JOIN kv_set_members m ON m.set_key = s.key WHERE s.expires_at <= ? LIMIT ${SWEEP_BATCH})`,
    ),
    sweepSets: db.prepare(
      `DELETE FROM kv_sets WHERE key IN
         (SELECT key FROM kv_sets s WHERE expires_at <= ? AND NOT EXISTS (SELECT 1 FROM kv_set_members m WHERE m.set_key = s.key) LIMIT ${SWEEP_BATCH})`,
    ),
  };

  const addToSet = db.transaction((key: string, member: string, expiresAt: number, time: number) => {
    const current = statements.setRow.get(key)?.expires_at;
    if (current !== undefined && current <= time) statements.deleteSetMembers.run(key);
    statements.upsertSet.run(key, expiresAt, time);
    // The member's own column says when it was last added for; the set's row decides.
    statements.addMember.run(key, member, expiresAt);
  });
  const writeAll = db.transaction((writes: readonly StoreWrite[], time: number) => {
    for (const item of writes) {
      const expiresAt = time + item.ttlSeconds * 1000;
      if (item.kind === 'set') statements.set.run(item.key, item.value, expiresAt);
      else addToSet(item.key, item.member, expiresAt, time);
    }
  });
  const markConsumed = db.transaction((key: string, at: number, time: number): ConsumeOutcome => {
    if (statements.markConsumed.run(at, key, time).changes === 1) return { outcome: 'marked' };
    const value = statements.get.get(key, time)?.value;
    return value === undefined ? { outcome: 'missing' } : { outcome: 'already', value };
  });
  // The set's row stays until it expires: an empty set reads as empty, and its expiry still applies.
  const removeMembers = db.transaction((key: string, members: readonly string[]) => {
    for (const member of members) statements.removeMember.run(key, member);
  });
  const deleteKeys = db.transaction((keys: string[]) => {
    for (const key of keys) {
      statements.deleteEntry.run(key);
      statements.deleteSetMembers.run(key);
      statements.deleteSet.run(key);
    }
  });

  /** A locked or failing file is a 503, like a Redis outage; anything else is the caller's error. */
  const asStoreError = (error: unknown) =>
    errorCodes(error).some(isSqliteUnavailableCode) ? new DependencyUnavailableError('store', error) : error;

  /**
   * Operations wait for the end of this turn of the event loop and are run together, in the order
   * they came, in one transaction. A commit is most of what a write costs (the WAL's frames and
   * locks: some fifteen system calls), and under load one turn brings the writes of several
   * requests. Each operation still runs whole before the next, on this one thread, so a take, a
   * consume or a counter decides exactly as it did alone; one that fails is undone alone (a failed
   * statement, or its own transaction, which becomes a savepoint inside this one).
   */
  let queued: Array<{ operation: () => unknown; writes: boolean; resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];
  const runBatch = db.transaction((batch: typeof queued) =>
    batch.map((item) => {
      try {
        return { ok: true as const, value: item.operation() };
      } catch (error) {
        // SQLite gave up the whole transaction (a full disk, an I/O error): nothing of it stays.
        if (!db.inTransaction) throw error;
        return { ok: false as const, error };
      }
    }));
  function flush(): void {
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    let outcomes;
    try {
      // A batch that writes takes the write lock first: a read-then-write transaction could not
      // take it later if another process (the admin CLI) committed in between.
      outcomes = batch.some((item) => item.writes) ? runBatch.immediate(batch) : runBatch.deferred(batch);
    } catch (error) {
      for (const item of batch) item.reject(asStoreError(error));
      return;
    }
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(asStoreError(outcome.error));
    });
  }
  function run<T>(operation: () => T, writes = true): Promise<T> {
    if (queued.length === 0) setImmediate(flush);
    return new Promise<T>((resolve, reject) => queued.push({ operation, writes, resolve: resolve as (value: unknown) => void, reject }));
  }
  const read = <T>(operation: () => T) => run(operation, false);

  const sweeper = setInterval(() => {
    try {
      const time = now();
      statements.sweepEntries.run(time);
      statements.sweepMembers.run(time);
      statements.sweepSets.run(time);
    } catch {
      // A busy file is swept next time.
    }
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  const expiry = (ttlSeconds: number) => {
    assertTtl(ttlSeconds);
    return now() + ttlSeconds * 1000;
  };

  return {
    kind: 'sqlite',
    get: (key) => read(() => statements.get.get(key, now())?.value),
    getVia: (indexKey, prefix) =>
      read(() => {
        const time = now();
        return statements.getVia.get(prefix, indexKey, time, time)?.value;
      }),
    set: (key, value, ttlSeconds) => run(() => void statements.set.run(key, value, expiry(ttlSeconds))),
    compareAndSwap: (key, expected, next) => run(() => statements.swap.run(next, key, expected, now()).changes === 1),
    markConsumed: (key, at) => run(() => markConsumed(key, at, now())),
    writeAll: (writes) =>
      run(() => {
        for (const item of writes) assertTtl(item.ttlSeconds);
        writeAll(writes, now());
      }),
    take: (key) => run(() => statements.take.get(key, now())?.value),
    delete: (...keys) => run(() => deleteKeys(keys)),
    addToSet: (key, member, ttlSeconds) => run(() => addToSet(key, member, expiry(ttlSeconds), now())),
    members: (key) => read(() => statements.members.all(key, now()).map((row) => row.member)),
    removeFromSet: (key, ...members) => run(() => removeMembers(key, members)),
    increment: (key, ttlSeconds) =>
      run(() => {
        const time = now();
        const row = statements.increment.get(key, expiry(ttlSeconds), time, time);
        return Number(row?.value);
      }),
    decrement: (key) => run(() => void statements.decrement.run(key, now())),
    ttl: (key) =>
      read(() => {
        const time = now();
        const expiresAt = statements.entryExpiry.get(key, time)?.expires_at ?? statements.setExpiry.get(key, time)?.expires_at;
        return expiresAt === undefined || expiresAt === null ? undefined : Math.ceil((expiresAt - time) / 1000);
      }),
    ping: () => read(() => void statements.ping.get()),
    async close() {
      clearInterval(sweeper);
      if (db.open) flush();
      if (db.open) db.close();
    },
  };
}
