import { parseDocument } from 'yaml';
import type { Report } from './rules.ts';
import { fieldPath, type Env } from './schema.ts';

/** Turning a file's text into a value: JSON or YAML syntax, then `${NAME}` substitution. */
/** Replaces `${NAME}` in every string value; returns the paths whose references could not be resolved. */
export function substitute(value: unknown, parts: PropertyKey[], env: Env, report: Report, unresolved: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]*)\}/g, (match, name: string) => {
      const secret = parts[0] === 'client_secret';
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) {
        report(parts, `${secret ? 'a ${...} reference' : match} is not a valid variable name; use upper-case letters, digits and _, e.g. \${MYAPP_CLIENT_SECRET}`);
      } else if (env[name] === undefined || env[name] === '') {
        report(parts, `environment variable ${name} is ${env[name] === undefined ? 'not set' : 'empty'}; export it or remove ${match}`);
      } else {
        return env[name];
      }
      unresolved.add(fieldPath(parts));
      return match;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, [...parts, i], env, report, unresolved));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, [...parts, key], env, report, unresolved)]),
    );
  }
  return value;
}

/** Where and what a JSON.parse error is, without echoing the source (V8 quotes it, secrets included). */
function jsonProblem(text: string, message: string): string {
  const line = (offset: number) => {
    const lines = text.slice(0, offset).split('\n');
    return `line ${lines.length}, column ${(lines.at(-1) ?? '').length + 1}`;
  };
  const at = /\(line (\d+) column (\d+)\)/.exec(message);
  let where = at ? `line ${at[1]}, column ${at[2]}` : undefined;
  let what = message
    .replace(/ in JSON at position.*$/s, '')
    .replace(/ at position \d+.*$/s, '')
    .replace(/,? ?(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  // `Unexpected token 'x', ..."<10 characters before>x<after>"... is not valid JSON`
  const token = /^Unexpected token '(.)', (\.\.\.)?"(.*)"(?:\.\.\.)? is not valid JSON$/s.exec(message);
  if (token) {
    const [, char = '', cut, snippet = ''] = token;
    what = `unexpected "${char}"`;
    const offset = cut ? text.indexOf(snippet) + 10 : snippet.slice(0, 11).lastIndexOf(char);
    if (offset >= 0 && text[offset] === char) where = line(offset);
  } else if (!where && /end of JSON input/.test(message)) {
    where = line(text.trimEnd().length);
  }
  return `${where ? `${where}: ` : ''}invalid JSON (${what}); fix the syntax there`;
}

/** Parses JSON or YAML text; a syntax problem is returned as a message naming line and column. */
export function parseText(text: string, extension: string): { value: unknown } | { problem: string } {
  if (text.trim() === '') return { problem: 'the file is empty; write the client settings as an object with at least client_id' };
  if (extension === '.json') {
    try {
      return { value: JSON.parse(text) };
    } catch (error) {
      return { problem: jsonProblem(text, (error as Error).message) };
    }
  }
  const document = parseDocument(text, { prettyErrors: true });
  const [error] = document.errors;
  if (error) {
    const start = error.linePos?.[0];
    const where = start ? `line ${start.line}, column ${start.col}: ` : '';
    return { problem: `${where}invalid YAML (${error.message.split(/ at line \d+|\n/)[0]}); fix the syntax there` };
  }
  return { value: document.toJS() };
}

