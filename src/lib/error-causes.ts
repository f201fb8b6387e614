/**
 * Libraries wrap what went wrong (TypeORM's `driverError`, an Error's `cause`); whether an error
 * is an outage, a wrong password or a bug is decided by what lies inside.
 */

/** The error, then what it wraps, innermost last (a few levels at most). */
export function causeChain(error: unknown, depth = 6): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < depth; ) {
    chain.push(current);
    if (typeof current !== 'object') break;
    const { driverError, cause } = current as { driverError?: unknown; cause?: unknown };
    current = driverError ?? cause;
  }
  return chain;
}

/** Every string `code` along the chain: SQLSTATEs, errno names, SQLITE_* codes. */
export function errorCodes(error: unknown): string[] {
  return causeChain(error).flatMap((link) => {
    const code = (link as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? [code] : [];
  });
}

/** A SQLite file that cannot be used right now: locked by another process, disk full, I/O error. */
export function isSqliteUnavailableCode(code: string): boolean {
  return /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL)/.test(code);
}
