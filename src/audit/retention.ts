import type { Logger } from '../lib/logger.ts';
import type { AuditLog } from './audit-log.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes audit events past AUDIT_RETENTION_DAYS at start and then daily. Several instances may
 * all do it: a delete of old rows is harmless twice. The timer never keeps the process alive.
 */
export function startAuditRetention(audit: Pick<AuditLog, 'purge'>, logger: Logger): () => void {
  const purge = () => {
    audit.purge().then(
      (deleted) => deleted > 0 && logger.info({ deleted }, 'old audit events deleted'),
      (error: unknown) => logger.warn({ err: error }, 'audit retention could not run; it will try again tomorrow'),
    );
  };
  purge();
  const timer = setInterval(purge, DAY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
