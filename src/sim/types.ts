/** What a simulation returns (metrics.json, plus the detail the report draws). */
import type { Metrics } from './metrics.js';
import type { Policy } from './policies.js';
import type { RunRecord } from './run.js';
import type { Rung, Settings } from './scenario.js';

export interface PolicyResult {
  name: Policy;
  label: string;
  replications: number;
  metrics: Metrics;
  intervals: Record<string, [number, number] | null>;
}

export interface SweepPoint {
  id: number;
  settings: Settings;
  current: boolean;
  pareto: boolean;
  metrics: Metrics;
  intervals: Record<string, [number, number] | null>;
}

export interface Simulation {
  seed: number;
  commit: string;
  scenario: { name: string; hash: string; description: string };
  days: number;
  rung: Rung;
  settings: Settings;
  policies: PolicyResult[];
  ladder: { rung: Rung; policies: { name: Policy; metrics: Metrics }[] }[];
  sweep: SweepPoint[] | null;
  invariants: { checked: number; violations: number };
  /** For the report's charts: the first replication of each policy, hour by hour (not in metrics.json's contract fields). */
  detail: Record<string, Detail>;
}

export interface Detail {
  hourly: RunRecord['hourly'];
  ttfgMs: number[];
  ttfpMs: number[];
  suppliers: number[];
  winsBySize: Record<string, number>;
  attempts: Record<string, number>;
  messages: Record<string, number>;
  releaseTimesSec: number[];
  proposalDelaysMin: number[];
  proposalDeadlineMin: number;
}
