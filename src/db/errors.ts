import { DependencyUnavailableError } from '../errors.ts';
import { errorCodes, isSqliteUnavailableCode } from '../lib/error-causes.ts';

/**
 * How database failures are told apart: an outage (the server is down, restarting, unreachable,
 * out of connections; the file is locked), which heals and deserves a 503, versus a permanent
 * setup error (wrong password, missing database) that must stop start-up with its cause.
 */

/** SQLSTATEs that mean the server cannot serve right now: connection exceptions (class 08), shutdown, overload. */
const OUTAGE_SQLSTATE = /^(08|57P0[1-4]|53300|53400)/;
/** Wrong credentials, no such database or role: waiting will not fix these. */
const PERMANENT_SQLSTATE = /^(28000|28P01|3D000)$/;
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|Connection is not established|Driver not Connected|database connection is not open/i;
const NOT_CONNECTED = new Set(['CannotExecuteNotConnectedError', 'ConnectionIsNotSetError']);

export function isDatabaseOutage(error: unknown): boolean {
  // Already told apart (statements.ts answers a closed DataSource with one).
  if (error instanceof DependencyUnavailableError) return error.dependency === 'database';
  if (!(error instanceof Error)) return false;
  if (NOT_CONNECTED.has(error.name) || CONNECTION_MESSAGES.test(error.message)) return true;
  return errorCodes(error).some((code) => OUTAGE_SQLSTATE.test(code) || NETWORK_CODES.test(code) || isSqliteUnavailableCode(code));
}

/**
 * Input the database refused as data (SQLSTATE class 22: NUL in text, invalid encoding, out of
 * range). Routes check text before it gets here; this is the net under them.
 */
export function isRefusedInput(error: unknown): boolean {
  return errorCodes(error).some((code) => /^22[0-9A-Z]{3}$/.test(code));
}

export function isPermanentDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Refused before any SQLSTATE exists: the client asked for TLS the server does not speak.
  if (/does not support SSL/i.test(error.message)) return true;
  return errorCodes(error).some((code) => PERMANENT_SQLSTATE.test(code));
}
