import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { AppError, type FieldIssue, ValidationError } from '../domain/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** zod issues as field issues, with the part of the request they came from (`body.pair`, `query.state`). */
export function fieldIssues(error: z.ZodError, part: string): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const at = [part, ...issue.path.map(String)];
    // One issue per unknown key, named, so a typo such as `dryrun` points at itself.
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'unknown field' }));
    return [{ field: at.join('.'), message: issue.message }];
  });
}

export function validationError(error: z.ZodError, part: string): ValidationError {
  const issues = fieldIssues(error, part);
  return new ValidationError(
    `Invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    issues,
  );
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/** RFC 9457 problem details for any thrown value; only exposed errors say more than "internal error". */
export function problemResponse(error: unknown, instance?: string): APIGatewayProxyResultV2 {
  const exposed = error instanceof AppError && error.expose;
  const status = exposed
    ? error.statusCode
    : error instanceof AppError && error.statusCode === 502
      ? 502
      : 500;
  const body = exposed
    ? {
        type: `https://switchyard.dev/problems/${error.code}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail: error.message,
        code: error.code,
        ...(instance ? { instance } : {}),
        ...error.details,
      }
    : {
        type: 'about:blank',
        title: TITLES[status],
        status,
        detail: 'An internal error occurred.',
        ...(instance ? { instance } : {}),
      };
  return {
    statusCode: status,
    headers: {
      'content-type': PROBLEM_CONTENT_TYPE,
      ...(status === 401 ? { 'www-authenticate': 'Bearer realm="switchyard"' } : {}),
    },
    body: JSON.stringify(body),
  };
}
