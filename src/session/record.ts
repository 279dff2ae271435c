/**
 * Ended sessions as PostgreSQL records them (session/revocation.ts reads and writes them here):
 * planners suspended themselves or through their supplier, ops accounts not active, travelers who
 * deleted their account, and the time
 * up to which a user's sessions are refused.
 */
import type { Pool } from 'pg';
import type { Revocation, RevocationRecord } from './revocation.js';

const LOAD = `
SELECT 'planner:' || p.id AS "user", (p.status = 'suspended' OR s.status = 'suspended') AS "all", p.sessions_valid_after AS "at"
  FROM planners p JOIN suppliers s ON s.id = p.supplier_id
 WHERE p.status = 'suspended' OR s.status = 'suspended' OR p.sessions_valid_after IS NOT NULL
UNION ALL
SELECT 'ops:' || id, status <> 'active', sessions_valid_after
  FROM ops_accounts
 WHERE status <> 'active' OR sessions_valid_after IS NOT NULL
UNION ALL
SELECT 'traveler:' || id, erased_at IS NOT NULL, sessions_valid_after
  FROM travelers
 WHERE erased_at IS NOT NULL OR sessions_valid_after IS NOT NULL`;

const TABLES: Record<string, string> = { planner: 'planners', ops: 'ops_accounts', traveler: 'travelers' };

export function revocationRecord(pool: Pool): RevocationRecord {
  return {
    async load() {
      const { rows } = await pool.query<{ user: string; all: boolean; at: Date | null }>(LOAD);
      return new Map<string, Revocation>(rows.map((r) => [r.user, r.all ? '*' : r.at!.getTime()]));
    },
    async save(user, at) {
      const [role, id] = user.split(':');
      const table = TABLES[role];
      if (!table) throw new Error(`sessions of ${role} are not ended by user`);
      await pool.query(
        `UPDATE ${table} SET sessions_valid_after = GREATEST(COALESCE(sessions_valid_after, to_timestamp(0)), to_timestamp($2::double precision / 1000)) WHERE id = $1`,
        [Number(id), at],
      );
    },
  };
}
