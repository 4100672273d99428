// The tenant snapshot's tables (issue 13), the same SQL on both engines. A fact is stored whole, as the
// JSON the tenant reader produced, with its fetch time as a column, so the API can show the age of every
// fact without parsing it. One row per fact name: a new read replaces the old one.
import type { Migration } from './migration.ts';

/**
 * Version 6 in both engines. `tenant_leases` elects the one collector that polls Graph when several
 * share a PostgreSQL database: a row per tenant with its holder and an expiry the holder keeps pushing
 * forward; another collector takes it over only once it has expired (its holder died or stalled).
 */
export const tenantSnapshotMigration: Migration = {
  version: 6,
  name: 'tenant snapshot facts (Microsoft Graph) with fetch time; poller lease',
  sql: `
CREATE TABLE tenant_facts (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  fetched_at BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
);
CREATE TABLE tenant_leases (
  tenant_id TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
`,
};

export const TENANT_SQL = {
  putFact:
    'INSERT INTO tenant_facts (tenant_id, name, fetched_at, body) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (tenant_id, name) DO UPDATE SET fetched_at = excluded.fetched_at, body = excluded.body',
  facts: 'SELECT name, fetched_at, body FROM tenant_facts WHERE tenant_id = ? ORDER BY name',
  // One statement, so two collectors racing for an expired lease cannot both win: the row lock (or
  // SQLite's single writer) serialises them and the loser's WHERE no longer holds. RETURNING names the winner.
  claimLease:
    'INSERT INTO tenant_leases (tenant_id, holder, expires_at) VALUES (?, ?, ?) ' +
    'ON CONFLICT (tenant_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at ' +
    'WHERE tenant_leases.holder = excluded.holder OR tenant_leases.expires_at <= ? RETURNING holder',
} as const;

export interface TenantFactRow {
  /** policy, groups, devices, … or fido2Methods:<user id>, state:devices (the reader's own state). */
  readonly name: string;
  /** Epoch milliseconds. */
  readonly fetchedAt: number;
  readonly body: string;
}

export function tenantFactRow(raw: Record<string, unknown>): TenantFactRow {
  // pg hands BIGINT back as a string.
  return { name: String(raw.name), fetchedAt: Number(raw.fetched_at), body: String(raw.body) };
}
