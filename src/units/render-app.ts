import type { AppSpec, RenderedFile } from './app-spec.js';
import { renderService } from './render-service.js';
import { renderSockets } from './render-socket.js';
import { renderTarget } from './render-target.js';
import { renderRestartTimer } from './render-timer.js';

/**
 * Every unit file `nodeunit enable` writes for one app, in a fixed order
 * (target, service template, sockets by port order). Pure: same spec, same
 * bytes, so enabling twice is a no-op.
 */
export function renderApp(spec: AppSpec): RenderedFile[] {
  if (!Number.isInteger(spec.instances) || spec.instances < 1 || spec.instances > 256) {
    throw new RangeError(`instances must be 1..256, got ${spec.instances}`);
  }
  return [renderTarget(spec), renderService(spec), ...renderSockets(spec), ...renderRestartTimer(spec)];
}
