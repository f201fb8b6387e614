import { ATTRIBUTE_KEY, ATTRIBUTE_KEY_TEXT, MAX_VALUE_LENGTH } from '../config/clients/claims.ts';
import { AppError } from '../errors.ts';
import type { UserAttributesRepository } from '../repositories/user-attributes.ts';

/** How many attributes one person may have. */
export const MAX_ATTRIBUTES = 32;

// Control characters would end up in tokens and in apps' logs and headers; no app needs them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const refuse = (description: string) => new AppError('invalid_request', { status: 400, description });

function checkKey(key: string): void {
  if (!ATTRIBUTE_KEY.test(key)) throw refuse(`"${key}" is not an attribute key: ${ATTRIBUTE_KEY_TEXT}.`);
}

/**
 * Free-form attributes per person (`department=research`), set by an operator. They reach an app
 * only through its client file (`"claims": {"department": {"attribute": "department"}}`).
 */
export function createUserAttributesService(deps: { attributes: UserAttributesRepository }) {
  const { attributes } = deps;

  return {
    list: (userId: string) => attributes.list(userId),
    valuesOf: (userId: string, names: readonly string[]) => attributes.valuesOf(userId, names),

    /** Adds or replaces the given attributes, all or none; returns every attribute afterwards. */
    async set(userId: string, values: Readonly<Record<string, string>>): Promise<Record<string, string>> {
      const keys = Object.keys(values);
      if (keys.length === 0) throw refuse('Give at least one attribute as key=value.');
      for (const [key, value] of Object.entries(values)) {
        checkKey(key);
        if (value === '') throw refuse(`"${key}" has an empty value; to remove the attribute, unset it.`);
        if ([...value].length > MAX_VALUE_LENGTH) throw refuse(`The value of "${key}" is longer than ${MAX_VALUE_LENGTH} characters.`);
        if (CONTROL.test(value)) throw refuse(`The value of "${key}" contains a control character (such as a line break); use plain text.`);
      }
      const current = await attributes.list(userId);
      const total = new Set([...Object.keys(current), ...keys]).size;
      if (total > MAX_ATTRIBUTES) {
        throw refuse(`A person can have at most ${MAX_ATTRIBUTES} attributes; this would make ${total}. Unset some first.`);
      }
      await attributes.set(userId, values);
      return Object.fromEntries(Object.entries({ ...current, ...values }).sort(([a], [b]) => (a < b ? -1 : 1)));
    },

    /** Removes the named attributes; returns those that were set (the others already were not). */
    async unset(userId: string, keys: readonly string[]): Promise<string[]> {
      if (keys.length === 0) throw refuse('Give at least one attribute key.');
      keys.forEach(checkKey);
      return attributes.remove(userId, keys);
    },
  };
}

export type UserAttributesService = ReturnType<typeof createUserAttributesService>;
