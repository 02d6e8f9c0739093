/**
 * A mistake the user can fix: printed as one line, `nodeunit: <message>`,
 * with no stack trace, and the process exits with `exitCode`.
 * 2 is a usage error (bad flags); 1 is anything else (missing files).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
