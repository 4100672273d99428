// The embedded PostgreSQL the tests use lives in sim/processes/postgres.ts, where the benches can
// reach it too (they may not import test/).
export { startTestPostgres, type TestPostgres } from '../../sim/processes/postgres.ts';
