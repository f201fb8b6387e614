import { createHash } from 'node:crypto';
import type { DataSource, EntityMetadata, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { Database as SqliteConnection, Statement as SqliteStatement } from 'better-sqlite3';
import { DependencyUnavailableError } from '../errors.ts';
import { errorCodes } from '../lib/error-causes.ts';

/**
 * The statements a sign-in runs (a passkey with its account, an account by id, the counter
 * update, the audit row), written once from the entities' TypeORM metadata and sent as plain
 * parameterized SQL: the query builder re-creates and re-parses each query on every call, which
 * was most of TypeORM's share of a sign-in. Values still go through the driver's own conversions
 * (dates, booleans, JSON, column transformers) in both directions, so the rows are the ones a
 * repository returns. The SQL is made on first use: the metadata exists once the DataSource is
 * initialized.
 *
 * They go straight to the driver, not through TypeORM's query runner. On PostgreSQL they are
 * named prepared statements, sent to the driver's pool: the server parses and plans each once per
 * connection instead of on every call (a third less of its CPU for a sign-in's statements). A
 * pooler in transaction mode (PgBouncer before 1.21, or without max_prepared_statements) hands
 * each query another server connection, where the name is missing or taken; the statement then
 * never ran, so it is sent again unnamed, and from then on all are. On SQLite each is prepared once
 * per connection by better-sqlite3.
 */
export interface Statements<T extends ObjectLiteral> {
  /** SELECT every column WHERE `property` = value; null when there is no such row. */
  findOneBy(property: keyof T & string): (value: unknown) => Promise<T | null>;
  /**
   * SELECT the row WHERE `property` = value together with the `parent` row its `foreignKey` points
   * to, in one statement; null when there is no such row (or its parent is gone).
   */
  findOneWithParent<P extends ObjectLiteral>(property: keyof T & string, parent: string, foreignKey: keyof T & string): (value: unknown) => Promise<{ row: T; parent: P } | null>;
  /** INSERT whole rows, 1 to MAX_ROWS_PER_INSERT of them, in one statement (one for each number of rows). */
  insert(): (rows: readonly T[]) => Promise<void>;
  /** UPDATE `set` WHERE every `where` property equals its value; resolves to the rows changed. */
  update<S extends keyof T & string, W extends keyof T & string>(set: readonly S[], where: readonly W[]): (values: Pick<T, S>, match: Pick<T, W>) => Promise<number>;
}

interface Rows {
  rows: Array<Record<string, unknown>>;
  /** Rows an INSERT, UPDATE or DELETE changed. */
  affected: number;
}

/** node-postgres's pool, as TypeORM's PostgreSQL driver keeps it (typed `any` there). */
interface PgPool {
  query(query: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

/** The most rows one INSERT takes: a handful of statements per connection, each with at most a few hundred parameters. */
export const MAX_ROWS_PER_INSERT = 32;

/** SQLSTATEs of a prepared statement the server connection does not have (26000) or already has (42P05). */
const POOLER_MIXED_STATEMENTS = new Set(['26000', '42P05']);
/** Whether a database's statements still go by name (per DataSource: one pooler's answer says nothing of another database). */
const named = new WeakMap<DataSource, boolean>();

/** Before the DataSource is open, or after it was closed, there is nothing to send to: a 503. */
const notConnected = () => new DependencyUnavailableError('database', new Error('the database connection is not open'));

function sender(dataSource: DataSource): (sql: string) => (values: unknown[]) => Promise<Rows> {
  // Read at each call: a DataSource closed and opened again has a new pool or connection.
  if (dataSource.options.type === 'postgres') {
    return (sql) => {
      const name = `idp_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      return async (values) => {
        const pool = dataSource.isInitialized ? (dataSource.driver as unknown as { master?: PgPool }).master : undefined;
        if (!pool) throw notConnected();
        const byName = named.get(dataSource) ?? true;
        let result;
        try {
          result = await pool.query(byName ? { name, text: sql, values } : { text: sql, values });
        } catch (error) {
          if (!byName || !errorCodes(error).some((code) => POOLER_MIXED_STATEMENTS.has(code))) throw error;
          named.set(dataSource, false);
          result = await pool.query({ text: sql, values });
        }
        return { rows: result.rows, affected: result.rowCount ?? 0 };
      };
    };
  }
  // SQLite: straight to better-sqlite3, each statement prepared once per connection. TypeORM's
  // runner added its events and promises around each.
  return (sql) => {
    let prepared: { on: SqliteConnection; statement: SqliteStatement } | undefined;
    return async (values) => {
      const connection = (dataSource.driver as unknown as { databaseConnection?: SqliteConnection }).databaseConnection;
      if (!connection?.open) throw notConnected();
      if (prepared?.on !== connection) prepared = { on: connection, statement: connection.prepare(sql) };
      const { statement } = prepared;
      // better-sqlite3 binds no booleans (TypeORM's runner makes them 0 and 1 too).
      const parameters = values.map((value) => (typeof value === 'boolean' ? Number(value) : value));
      if (statement.reader) return { rows: statement.all(...parameters) as Array<Record<string, unknown>>, affected: 0 };
      return { rows: [], affected: statement.run(...parameters).changes };
    };
  };
}

function lazily<A extends unknown[], R>(build: () => (...args: A) => R): (...args: A) => R {
  let built: ((...args: A) => R) | undefined;
  return (...args) => (built ??= build())(...args);
}

export function statementsFor<T extends ObjectLiteral>(dataSource: DataSource, entity: string): Statements<T> {
  const { driver } = dataSource;
  const send = sender(dataSource);
  const metadata = (): EntityMetadata => dataSource.getMetadata(entity);
  const tableOf = (of: EntityMetadata) => of.tablePath.split('.').map((part) => driver.escape(part)).join('.');
  const table = () => tableOf(metadata());
  const column = (property: string): ColumnMetadata => {
    const found = metadata().findColumnWithPropertyName(property);
    if (!found) throw new Error(`${entity} has no column for "${property}"`);
    return found;
  };
  const parameter = (index: number) => driver.createParameter(`p${index}`, index);
  /** A row as a repository returns it, from the raw columns (named `alias(i)` when aliased). */
  const hydrate = (columns: ColumnMetadata[], raw: Record<string, unknown>, alias?: (index: number) => string) => {
    const row = {} as ObjectLiteral;
    columns.forEach((of, i) => of.setEntityValue(row, driver.prepareHydratedValue(raw[alias ? alias(i) : of.databaseName], of)));
    return row;
  };
  // An absent optional field is stored as NULL, as the repository's insert would.
  const stored = (value: unknown, of: ColumnMetadata) => driver.preparePersistentValue(value, of) ?? null;
  const names = (columns: ColumnMetadata[]) => columns.map((of) => driver.escape(of.databaseName)).join(', ');
  const assignments = (columns: ColumnMetadata[], from: number, separator: string) =>
    columns.map((of, i) => `${driver.escape(of.databaseName)} = ${parameter(from + i)}`).join(separator);

  return {
    findOneBy: (property) =>
      lazily(() => {
        const columns = metadata().columns;
        const where = column(property);
        const run = send(`SELECT ${names(columns)} FROM ${table()} WHERE ${assignments([where], 0, '')} LIMIT 1`);
        return async (value: unknown) => {
          const [raw] = (await run([stored(value, where)])).rows;
          return raw ? (hydrate(columns, raw) as T) : null;
        };
      }),
    findOneWithParent: <P extends ObjectLiteral>(property: keyof T & string, parent: string, foreignKey: keyof T & string) =>
      lazily(() => {
        const columns = metadata().columns;
        const parentMetadata = dataSource.getMetadata(parent);
        const parentColumns = parentMetadata.columns;
        const [parentKey] = parentMetadata.primaryColumns;
        if (!parentKey || parentMetadata.primaryColumns.length !== 1) throw new Error(`${parent} needs a one-column primary key`);
        const where = column(property);
        // Aliased by position: both tables have an id, a created_at…
        const [own, theirs] = [(i: number) => `c${i}`, (i: number) => `p${i}`];
        const selected = (of: ColumnMetadata[], tableAlias: string, alias: (i: number) => string) =>
          of.map((c, i) => `${tableAlias}.${driver.escape(c.databaseName)} AS ${driver.escape(alias(i))}`).join(', ');
        const run = send(
          `SELECT ${selected(columns, 'c', own)}, ${selected(parentColumns, 'p', theirs)} FROM ${table()} c ` +
            `JOIN ${tableOf(parentMetadata)} p ON p.${driver.escape(parentKey.databaseName)} = c.${driver.escape(column(foreignKey).databaseName)} ` +
            `WHERE c.${driver.escape(where.databaseName)} = ${parameter(0)} LIMIT 1`,
        );
        return async (value: unknown) => {
          const [raw] = (await run([stored(value, where)])).rows;
          return raw ? { row: hydrate(columns, raw, own) as T, parent: hydrate(parentColumns, raw, theirs) as P } : null;
        };
      }),
    insert: () =>
      lazily(() => {
        const columns = metadata().columns;
        const tuple = (row: number) => `(${columns.map((_, i) => parameter(row * columns.length + i)).join(', ')})`;
        const statements = new Map<number, (values: unknown[]) => Promise<Rows>>();
        const runFor = (count: number) => {
          let run = statements.get(count);
          if (!run) {
            run = send(`INSERT INTO ${table()} (${names(columns)}) VALUES ${Array.from({ length: count }, (_, row) => tuple(row)).join(', ')}`);
            statements.set(count, run);
          }
          return run;
        };
        return async (rows: readonly T[]) => {
          if (rows.length === 0) return;
          if (rows.length > MAX_ROWS_PER_INSERT) throw new RangeError(`at most ${MAX_ROWS_PER_INSERT} rows per INSERT, got ${rows.length}`);
          await runFor(rows.length)(rows.flatMap((row) => columns.map((of) => stored(of.getEntityValue(row), of))));
        };
      }),
    update: (set, where) =>
      lazily(() => {
        const setColumns = set.map(column);
        const whereColumns = where.map(column);
        const run = send(`UPDATE ${table()} SET ${assignments(setColumns, 0, ', ')} WHERE ${assignments(whereColumns, setColumns.length, ' AND ')}`);
        return async (values, match) => {
          const parameters = [...setColumns.map((of) => stored(of.getEntityValue(values), of)), ...whereColumns.map((of) => stored(of.getEntityValue(match), of))];
          return (await run(parameters)).affected;
        };
      }),
  };
}
