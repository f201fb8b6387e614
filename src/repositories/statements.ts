import type { DataSource, EntityMetadata, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/**
 * The statements a sign-in runs (a passkey and its account by id, the counter update, the audit
 * row), written once from the entity's TypeORM metadata and sent as plain parameterized SQL: the
 * query builder re-creates and re-parses each query on every call, which was most of TypeORM's
 * share of a sign-in. Values still go through the driver's own conversions (dates, booleans,
 * JSON, column transformers) in both directions, so the rows are the ones a repository returns.
 * The SQL is made on first use: the metadata exists once the DataSource is initialized.
 */
export interface Statements<T extends ObjectLiteral> {
  /** SELECT every column WHERE `property` = value; null when there is no such row. */
  findOneBy(property: keyof T & string): (value: unknown) => Promise<T | null>;
  /** INSERT a whole row. */
  insert(): (row: T) => Promise<void>;
  /** UPDATE `set` WHERE every `where` property equals its value; resolves to the rows changed. */
  update<S extends keyof T & string, W extends keyof T & string>(set: readonly S[], where: readonly W[]): (values: Pick<T, S>, match: Pick<T, W>) => Promise<number>;
}

function lazily<A extends unknown[], R>(build: () => (...args: A) => R): (...args: A) => R {
  let built: ((...args: A) => R) | undefined;
  return (...args) => (built ??= build())(...args);
}

export function statementsFor<T extends ObjectLiteral>(dataSource: DataSource, entity: string): Statements<T> {
  const { driver } = dataSource;
  const metadata = (): EntityMetadata => dataSource.getMetadata(entity);
  const table = () => metadata().tablePath.split('.').map((part) => driver.escape(part)).join('.');
  const column = (property: string): ColumnMetadata => {
    const found = metadata().findColumnWithPropertyName(property);
    if (!found) throw new Error(`${entity} has no column for "${property}"`);
    return found;
  };
  const parameter = (index: number) => driver.createParameter(`p${index}`, index);
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
        const sql = `SELECT ${names(columns)} FROM ${table()} WHERE ${assignments([where], 0, '')} LIMIT 1`;
        return async (value: unknown) => {
          const [raw] = (await dataSource.query(sql, [stored(value, where)])) as Array<Record<string, unknown>>;
          if (!raw) return null;
          const row = {} as ObjectLiteral;
          for (const of of columns) of.setEntityValue(row, driver.prepareHydratedValue(raw[of.databaseName], of));
          return row as T;
        };
      }),
    insert: () =>
      lazily(() => {
        const columns = metadata().columns;
        const sql = `INSERT INTO ${table()} (${names(columns)}) VALUES (${columns.map((_, i) => parameter(i)).join(', ')})`;
        return async (row: T) => {
          await dataSource.query(sql, columns.map((of) => stored(of.getEntityValue(row), of)));
        };
      }),
    update: (set, where) =>
      lazily(() => {
        const setColumns = set.map(column);
        const whereColumns = where.map(column);
        const sql = `UPDATE ${table()} SET ${assignments(setColumns, 0, ', ')} WHERE ${assignments(whereColumns, setColumns.length, ' AND ')}`;
        return async (values, match) => {
          const parameters = [...setColumns.map((of) => stored(of.getEntityValue(values), of)), ...whereColumns.map((of) => stored(of.getEntityValue(match), of))];
          const runner = dataSource.createQueryRunner();
          try {
            return (await runner.query(sql, parameters, true)).affected ?? 0;
          } finally {
            await runner.release();
          }
        };
      }),
  };
}
