import { z } from 'zod';

/**
 * Characters no one types into a form: control characters (NUL among them, which PostgreSQL
 * refuses in text) and the direction overrides that make a name display as something else.
 */
const UNTYPEABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

export const UNTYPEABLE_MESSAGE = 'contains a character that cannot be used here (a control or text-direction character); type it again';

/** A text field from a browser: bounded, and free of untypeable characters before any query sees it. */
export function textField(max: number, tooLong = `is longer than ${max} characters`) {
  return z.string().max(max, tooLong).refine((value) => !UNTYPEABLE.test(value), UNTYPEABLE_MESSAGE);
}
