// UserError lives in src/errors.ts (code below cli/ must not import cli/); kept here for the CLI's imports.
export { UserError } from '../errors';
