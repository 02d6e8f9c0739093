import { createRequire } from 'node:module';

/** Loads a preload module (plain CommonJS) the way node --require would. */
export const requirePreload = createRequire(new URL('../../../src/preload/', import.meta.url));
