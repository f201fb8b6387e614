import { isDatabaseOutage, isRefusedInput } from '../db/errors.ts';
import { AppError, DependencyUnavailableError } from '../errors.ts';

/**
 * Wraps every method of a repository so a database outage surfaces as one typed error (a 503
 * for the caller) and data the database refuses as a 400, instead of whatever the driver threw;
 * other errors pass through unchanged.
 */
export function guardRepository<T extends object>(repository: T): T {
  const guarded = {} as T;
  for (const [name, method] of Object.entries(repository)) {
    (guarded as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        if (isDatabaseOutage(error)) throw error instanceof DependencyUnavailableError ? error : new DependencyUnavailableError('database', error);
        if (isRefusedInput(error)) throw new AppError('invalid_request', { status: 400, description: 'The request contains text that cannot be stored.', cause: error });
        throw error;
      }
    };
  }
  return guarded;
}
