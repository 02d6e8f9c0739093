/**
 * The app operations, without a command line: each takes an AppSpec (or a
 * name) and returns data; progress and notes go to a Reporter. `cli/` parses
 * and prints around them; `import` and later commands call them directly.
 */
export { buildAppSpec, type AppHost, type AppOptions } from './spec';
export { describeAppPlan, planApp, renderAppFiles, type AppPlan } from './plan';
export { checkPlan, type AppCheck } from './check';
export { applyApp, rolloutApp, type Reporter, type RolloutOutcome } from './apply';
export { START_WAIT_MS, StartFailed, startAndWait, type Progress, type StartFailure } from './start';
export { appStatuses, type AppStatus } from './status';
export { allAppUnits, appStartUnits, instanceUnit } from './units';
