/**
 * globalSetup of the "cluster" project (vitest.config.ts): a local three-master Redis Cluster for
 * the engine's tests, started once and stopped after them. The tests find it with
 * inject('redisClusterNodes') (test/support.ts), and each file's fresh PostgreSQL database gives it
 * a namespace of its own on the cluster (a cluster has no numbered databases).
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster } from '../scripts/redis-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisClusterNodes: string;
    /** Its masters' ports and directory (scripts/redis-cluster.ts), for tests that restart one. */
    redisCluster: { ports: number[]; dir: string };
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startCluster(resolve(tmpdir(), `dz-redis-cluster-${process.pid}`));
  project.provide('redisClusterNodes', cluster.nodes);
  project.provide('redisCluster', { ports: cluster.ports, dir: cluster.dir });
  return () => cluster.stop();
}
