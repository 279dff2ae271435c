/**
 * The marketplace simulator, as the product uses it: the console's runs (requested, queued, run one
 * at a time in a child process, kept with their metrics and report) and "from our data" fitting.
 * The simulator itself (src/sim/simulate.ts, the engine under a virtual clock) runs in that child
 * process and from `npm run simulate`; nothing in the live product imports it.
 */
export {
  previewFit,
  requestSimulation,
  requeueSimulations,
  SIM_QUEUE,
  type SimulationInput,
  settingsOf,
  simulationInput,
  simulationReport,
  simulationRun,
  simulationRuns,
  startSimulationWorker,
} from './console.js';
export { loadScenario } from './scenario.js';
export { duration, settingWords } from './words.js';
