/** The two databases we run on. Column types differ only where the dialects do. */
export type Dialect = 'postgres' | 'better-sqlite3';

export interface DialectTypes {
  timestamp: 'timestamptz' | 'datetime';
}

export function dialectTypes(dialect: Dialect): DialectTypes {
  return { timestamp: dialect === 'postgres' ? 'timestamptz' : 'datetime' };
}
