/** The shape of bench/results/<date>.json: raw samples, no derived figures. */

export type Tool = 'nodeunit' | 'pm2' | 'plain';

export interface ContenderInfo {
  id: string;
  label: string;
  tool: Tool;
  instances: number;
  balance?: 'shared' | 'reuseport';
  port: number;
}

/** What bench/load.cjs prints for one load run. */
export interface LoadResult {
  startedAt: number;
  seconds: number;
  requests: number;
  rps: number;
  ok: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  /** Requests in flight on a keep-alive connection the server closed without announcing it (autocannon does not count these). */
  lost: number;
  codes: Record<string, number>;
  latency: { p50: number; p90: number; p99: number; max: number };
  pids: Record<string, { count: number; first: number; last: number }>;
}

export interface OverheadSample {
  round: number;
  /** idle: 1 s after a fresh start; after-load: at the end of a throughput round. */
  phase: 'idle' | 'after-load';
  contender: string;
  instances: number;
  /** Every process that exists for this app: instances, daemon, anything else. */
  processes: number;
  /** RSS (kB) of each app instance (pm2: each worker). */
  instanceRssKb: number[];
  /** RSS (kB) of processes that are not app instances (pm2's daemon). */
  managerRssKb: number[];
}

export interface ThroughputSample {
  round: number;
  scenario: string;
  contender: string;
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  /** Requests answered by each instance (keyed by pid). */
  perInstance: number[];
}

export interface FailureSample {
  round: number;
  contender: string;
  requests: number;
  /** errors (resets, refused, timeouts) + non-2xx + lost. */
  failed: number;
  lost: number;
  codes: Record<string, number>;
  timeouts: number;
  non2xx: number;
}

export interface ReloadSample extends FailureSample {
  /** How long the reload command(s) took, ms. */
  reloadMs: number;
}

export interface KillSample extends FailureSample {
  instances: number;
  /** Established connections the killed instance held just before SIGKILL (= requests in flight at most). */
  inflightOnKilled: number;
  refused: number;
  /** SIGKILL until the first answer from the replacement instance, ms (null: none within the window). */
  recoverMs: number | null;
}

export interface StartSample {
  round: number;
  contender: string;
  /** Command issued until the first 200, ms. */
  ms: number;
  /** How long the start command itself ran, ms. */
  commandMs: number;
}

export interface HangSample {
  round: number;
  contender: string;
  windowSec: number;
  /** /hang sent until the first answer from a new process, ms; null = not detected within the window. */
  recoverMs: number | null;
  requests: number;
  failed: number;
  timeouts: number;
}

export interface BenchResults {
  date: string;
  startedAt: string;
  durationSec: number;
  quick: boolean;
  note: string;
  machine: {
    cpuModel: string;
    cores: number;
    kernel: string;
    appNode: string;
    loadNode: string;
    pm2: string;
    systemd: string;
    autocannon: string;
    nodeunit: string;
    loadAvgStart: number[];
    loadAvgEnd: number[];
    pinning: string;
  };
  config: {
    rounds: number;
    reloadRounds: number;
    loadSec: number;
    connections: number;
    hangWindowSec: number;
  };
  contenders: ContenderInfo[];
  samples: {
    overhead: OverheadSample[];
    throughput: ThroughputSample[];
    reload: ReloadSample[];
    kill: KillSample[];
    start: StartSample[];
    hang: HangSample[];
  };
}
