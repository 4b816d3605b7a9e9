/**
 * The Content API's errors, in Ghost's JSON: `{errors: [{message, context, type, ...}]}` with the
 * status Ghost gives each type. `@tryghost/content-api` turns the first one into the Error it
 * throws (its `name` is the type), so clients tell a bad key from a bad filter by `type`.
 */

/** Ghost's error types the Content API answers with, and their HTTP status. */
const STATUS_BY_TYPE = {
  BadRequestError: 400,
  UnauthorizedError: 401,
  NoPermissionError: 403,
  NotFoundError: 404,
  ValidationError: 422,
  InternalServerError: 500,
  MaintenanceError: 503,
} as const;

export type GhostErrorType = keyof typeof STATUS_BY_TYPE;

export class ContentApiError extends Error {
  readonly statusCode: number;
  readonly context: string | null;
  /** Ghost's machine-readable code (`UNKNOWN_CONTENT_API_KEY`), when it has one. */
  readonly code: string | null;

  constructor(
    readonly type: GhostErrorType,
    message: string,
    details: { readonly context?: string; readonly code?: string } = {},
  ) {
    super(message);
    this.name = type;
    this.statusCode = STATUS_BY_TYPE[type];
    this.context = details.context ?? null;
    this.code = details.code ?? null;
  }
}

export interface GhostErrorBody {
  readonly errors: readonly {
    readonly message: string;
    readonly context: string | null;
    readonly type: GhostErrorType;
    readonly details: null;
    readonly property: null;
    readonly help: null;
    readonly code: string | null;
    readonly id: string;
    readonly ghostErrorCode: null;
  }[];
}

/** The body Ghost sends for `error`; `id` is the request's id, as in the access log. */
export function ghostErrorBody(error: ContentApiError, id: string): GhostErrorBody {
  return {
    errors: [
      {
        message: error.message,
        context: error.context,
        type: error.type,
        details: null,
        property: null,
        help: null,
        code: error.code,
        id,
        ghostErrorCode: null,
      },
    ],
  };
}
