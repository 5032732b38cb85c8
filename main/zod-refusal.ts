// One reading of a failed zod parse, for every place main checks input with
// a schema: the first issue decides the error's code and says where.
import type { z } from 'zod';

import { SecureMemoryError } from './errors';

/**
 * The error for a refused input, from the parse's first issue. INVALID_SIZE
 * when the issue is about `sizeKey` and the input holds a number there (a
 * number that is not a valid size); INVALID_ARGUMENT otherwise (a wrong type
 * or shape). `explain` gets the issue's dotted path (undefined at the top)
 * and its message.
 */
export function refusalFromZod(
  error: z.ZodError,
  input: unknown,
  sizeKey: string | undefined,
  explain: (path: string | undefined, message: string) => string,
): SecureMemoryError {
  const issue = error.issues[0];
  if (issue === undefined) return new SecureMemoryError('INVALID_ARGUMENT', explain(undefined, 'refused'));
  const path = issue.path.length > 0 ? issue.path.join('.') : undefined;
  const sized =
    sizeKey !== undefined &&
    issue.path[0] === sizeKey &&
    typeof (input as Record<string, unknown> | null | undefined)?.[sizeKey] === 'number';
  return new SecureMemoryError(sized ? 'INVALID_SIZE' : 'INVALID_ARGUMENT', explain(path, issue.message));
}
