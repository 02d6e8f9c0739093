/**
 * The shape of bench/results/<date>.json (BenchRun): raw samples of every
 * section, no derived figures. PinnedResults is issue 5's section (and the
 * whole file of runs before the sections were merged, e.g. 2026-11-26.json).
 */
import type { CpuPerRequest } from './cpu-time.js';

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
  /** Answers per second after the run's first second (runs longer than 2 s). */
  settledRps?: number;
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
  /** Per pid, the connections whose last answer came from it: where keep-alive connections were when the run ended. */
  held?: Record<string, number>;
  /** The load generator's own CPU time over the run, µs; absent in results written before it was measured. */
  cpuUs?: number;
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

/** Issue 5's pinned figures (servers on CPU 1). */
export interface PinnedResults {
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

/** Before the sections were merged, <date>.json held only the pinned figures. */
export type BenchResults = PinnedResults;

export type SectionName = 'pinned' | 'balance' | 'nginx' | 'recovery' | 'start';
export const SECTIONS: readonly SectionName[] = ['pinned', 'balance', 'nginx', 'recovery', 'start'];

/** When and under what load one section ran (each section boots its own container). */
export interface SectionRun {
  startedAt: string;
  durationSec: number;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

/** One load run of the balance sections; shares: each instance's share × N, busiest first (1.00 = fair). */
export interface BalanceSample {
  section: 'direct' | 'nginx';
  round: number;
  scenario: string;
  contender: string;
  rps: number;
  /** req/s after the run's first second; absent in results written before it was measured. */
  settledRps?: number;
  p99: number;
  failed: number;
  shares: number[];
  /** Keep-alive loads run directly: connections each instance held when the run ended, most first; absent in results written before it was counted. */
  held?: number[];
  /** Direct loads: CPU time per answered request, the load generator's and the rest's (bench/lib/cpu-time.ts); absent in results written before it was measured. */
  cpu?: CpuPerRequest;
}

export interface BalanceFailureRun {
  round: number;
  contender: string;
  what: 'reload' | 'kill';
  requests: number;
  failed: number;
  codes: Record<string, number>;
}

/** Sections 'balance' (direct) and 'nginx': 4 instances free on all CPUs. */
export interface BalanceResults extends SectionRun {
  systemd: string;
  rounds: number;
  loadSec: number;
  instances: number;
  contenders: ContenderInfo[];
  samples: BalanceSample[];
  /** nginx only: failed requests during a rolling reload and a SIGKILL. */
  failures: BalanceFailureRun[];
}

export interface RecoveryKill {
  tool: string;
  round: number;
  recoverMs: number | null;
  refused: number;
}

export interface CrashLoop {
  /** s since the first start, of every start of the process. */
  starts: number[];
  /** The unit ended failed within the window: the start limit refused the next start. */
  gaveUp: boolean;
  gaveUpAtSec: number | null;
  windowSec: number;
  /** ActiveState and Result at the end, and systemd's last words about the unit. */
  finalState: string;
  lastMessages: string[];
}

export interface RecoveryDistro {
  label: string;
  systemdVersion: number;
  kills: RecoveryKill[];
  crashLoop: CrashLoop;
}

export interface RecoveryResults extends SectionRun {
  rounds: number;
  results: RecoveryDistro[];
}

export interface StartResults extends SectionRun {
  systemd: string;
  node: string;
  rounds: number;
  /** unit -> ms from `systemctl start` until the port accepts, one per round. */
  samples: Record<string, number[]>;
  /** Where the time goes, outside systemd: kind -> ms per repetition. */
  breakdown: Record<string, number[]>;
  preload: string;
}

export interface BenchRun {
  /** 2: the merged format (one file for every section). */
  format: 2;
  date: string;
  startedAt: string;
  durationSec: number;
  quick: boolean;
  note: string;
  sections: SectionName[];
  machine: {
    cpuModel: string;
    cores: number;
    kernel: string;
    /** kernel.sched_autogroup_enabled ('1', '0', 'absent'); missing in runs before it was recorded. */
    autogroup?: string;
    loadAvgStart: number[];
    loadAvgEnd: number[];
  };
  pinned?: PinnedResults;
  balance?: BalanceResults;
  nginx?: BalanceResults;
  recovery?: RecoveryResults;
  start?: StartResults;
  /** Sections that failed: name -> error message (their figures are missing). */
  errors: Partial<Record<SectionName, string>>;
  /** Per section: wall time from spawning it until it ended, and how much of it was waiting for the machine-wide lock. */
  timing?: Partial<Record<SectionName, { wallSec: number; lockWaitSec: number }>>;
}
