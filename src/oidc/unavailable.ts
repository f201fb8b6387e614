import { errors } from 'oidc-provider';
import { DependencyUnavailableError } from '../errors.ts';

/**
 * An outage in oidc-provider's terms: its own error handler then answers 503 with
 * `temporarily_unavailable` (JSON for apps, our error page for people) instead of a 500,
 * and never redirects the person back to the app with it.
 */
class TemporarilyUnavailable extends errors.OIDCProviderError {
  constructor(cause: DependencyUnavailableError) {
    super(503, 'temporarily_unavailable', { cause });
    this.expose = true;
    this.allow_redirect = false;
    this.error_description = cause.description;
  }
}

/** Runs storage work for oidc-provider; a database or store outage becomes its 503. */
export async function forProvider<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof DependencyUnavailableError ? new TemporarilyUnavailable(error) : error;
  }
}
