/** REDIS_CLUSTER_NODES: parsed into a cluster's seed nodes, or refused naming the variable and the entry. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { clusterTarget } from '../../src/infra/redis.js';

describe('REDIS_CLUSTER_NODES', () => {
  it('host:port entries, or redis:// URLs whose first credentials serve every node', () => {
    expect(clusterTarget(' 127.0.0.1:7001, 10.0.0.2:7002 ')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7001 },
        { host: '10.0.0.2', port: 7002 },
      ],
      options: {},
    });
    expect(clusterTarget('rediss://app:s%40cret@redis-a:6380,redis-b:6380')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-a', port: 6380 },
        { host: 'redis-b', port: 6380 },
      ],
      options: { username: 'app', password: 's@cret', tls: {} },
    });
  });

  it('refuses an entry without a port, another scheme, or nothing at all', () => {
    expect(() => clusterTarget('127.0.0.1')).toThrow('REDIS_CLUSTER_NODES: "127.0.0.1" is not host:port');
    expect(() => clusterTarget('http://a:1')).toThrow('"http://a:1" is not host:port');
    expect(() => clusterTarget(' , ')).toThrow('no node given');
  });

  it('the boot refuses a bad value, and both REDIS_URL and REDIS_CLUSTER_NODES, naming the variable', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:1,b' })).toThrow(/REDIS_CLUSTER_NODES: "b" is not host:port/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://x:6379' })).toThrow(
      /REDIS_CLUSTER_NODES: set it or REDIS_URL, not both/,
    );
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:1,b:2' }).REDIS_CLUSTER_NODES).toBe('a:1,b:2');
  });

  it('in production, a cluster stands for REDIS_URL', () => {
    const missing = (env: Record<string, string>) => {
      try {
        loadConfig({ NODE_ENV: 'production', ...env });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(missing({})).toContain('REDIS_URL: required in production (or REDIS_CLUSTER_NODES)');
    expect(missing({ REDIS_CLUSTER_NODES: 'a:1' })).not.toContain('REDIS_URL');
  });
});
