import * as sea from 'node:sea';
import { UserError } from './user-error';

/**
 * A file embedded in the single executable (sea-config "assets"). Only the
 * built executable has them; running from source has none.
 */
export function embeddedAsset(name: string): Buffer {
  if (!sea.isSea()) throw new UserError(`'${name}' is only embedded in the built executable (npm run build)`);
  return Buffer.from(sea.getRawAsset(name) as ArrayBuffer);
}
