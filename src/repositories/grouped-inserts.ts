/** Rows waiting for the next INSERT, each with its caller's promise. */
interface Waiting<T> {
  row: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface GroupedInserts<T> {
  /** Resolves once the row is written; rejects with the reason it was not. */
  insert(row: T): Promise<void>;
  /** Resolves once every row handed in so far is written or refused (before the database closes). */
  settled(): Promise<void>;
}

/**
 * Group commit for rows written on their own (the audit trail: one per sign-in). A row handed in
 * while no INSERT is under way goes at once; rows handed in during one go together in the next,
 * up to `maxRows`. Nothing waits for a timer: alone, a row costs what it did; under load, one
 * statement and one commit serve several (on PostgreSQL a commit is a WAL flush).
 *
 * Each caller still learns about its own row. When a group is refused for anything but an
 * outage, its rows are tried one by one, so one row the database refuses (a duplicate key, text
 * it cannot store) does not take the others with it.
 */
export function groupedInserts<T>(insertRows: (rows: readonly T[]) => Promise<void>, options: { maxRows: number; isOutage: (error: unknown) => boolean }): GroupedInserts<T> {
  const waiting: Array<Waiting<T>> = [];
  let draining: Promise<void> | undefined;

  async function write(group: Array<Waiting<T>>): Promise<void> {
    try {
      await insertRows(group.map((item) => item.row));
      for (const item of group) item.resolve();
    } catch (error) {
      if (group.length === 1 || options.isOutage(error)) {
        for (const item of group) item.reject(error);
        return;
      }
      for (const item of group) await write([item]);
    }
  }

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      await write(waiting.splice(0, options.maxRows));
    }
    // In the same turn as the last check of the queue: a row handed in after it starts a new drain.
    draining = undefined;
  }

  return {
    insert(row) {
      const written = new Promise<void>((resolve, reject) => waiting.push({ row, resolve, reject }));
      draining ??= drain();
      return written;
    },
    settled: () => draining ?? Promise.resolve(),
  };
}
