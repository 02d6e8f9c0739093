export type { AppSpec, AppSpecEssentials, RenderedFile } from './app-spec.js';
export { appSpecWithDefaults } from './app-spec.js';
export { renderApp } from './render-app.js';
export { GENERATED_MARKER, isGeneratedByNodeunit } from './marker.js';
export { DIRECTIVE_SINCE, isDirectiveSupported } from './directive-versions.js';
export { escapeSpecifiers, quoteEnvironmentAssignment, quoteExecArg, renderCommandLine } from './quote.js';
export {
  distinctPorts,
  serviceInstance,
  serviceTemplate,
  socketUnitFile,
  socketUnitForInstance,
  targetUnit,
  unitsToEnable,
} from './unit-names.js';
export { defaultEnvFile, STOP_GRACE_SEC } from './render-service.js';
export { BACKLOG, listenAddress } from './render-socket.js';
export { execStartArgv, renderExecStart } from './exec-start.js';
