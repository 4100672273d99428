// The collector's Prometheus metrics (GET /metrics). One registry per collector, not the global
// one, so several collectors in one process (tests) do not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type AuthFailure = 'bad-token' | 'revoked' | 'unknown-device' | 'enroll-secret' | 'login';

export interface Metrics {
  registry: Registry;
  agentConnections: Gauge;
  /** Agent sockets not being read while a full batch waits for a commit (TCP holds their frames). */
  pausedConnections: Gauge;
  liveSessions: Gauge;
  reportsIngested: Counter<'result'>;
  ackLatency: Histogram;
  /** How long each report batch's store call took (on SQLite the event loop waits that long). */
  ingestBatch: Histogram;
  authFailures: Counter<'reason'>;
  rejectedConnections: Counter<'reason'>;
  /** TCP connections accepted (agents and dashboards): a reconnect storm's arrival rate. */
  tcpAccepted: Counter;
  /** TLS handshakes completed, by whether the client resumed a session (a full one costs a signature). */
  tlsHandshakes: Counter<'session'>;
  /** Hellos received and welcomes sent: the gap between them is hellos still being checked or refused. */
  hellos: Counter;
  welcomes: Counter;
  /** Agent connections closed for a protocol fault, by error code (not-hello: no first message in time). */
  agentFaults: Counter<'code'>;
  storeErrors: Counter;
  /** The outcome of the latest store write (a report batch or the heartbeat): /healthz fails while writes fail. */
  writes: WriteHealth;
}

/** Reads answering is not enough for health: a full disk or a lost lock fails writes while reads go on. */
export class WriteHealth {
  #failure: string | null = null;

  constructor(private readonly gauge: Gauge) {
    gauge.set(1);
  }

  succeeded(): void {
    this.#failure = null;
    this.gauge.set(1);
  }

  failed(reason: string): void {
    this.#failure = reason;
    this.gauge.set(0);
  }

  /** Why the latest write failed; null when it succeeded. */
  get failure(): string | null {
    return this.#failure;
  }
}

const EXPENSIVE_DEFAULT_METRICS = ['process_open_fds', 'nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total'];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Each of these lists every socket on every scrape (readdir of /proc/self/fd, every libuv handle):
  // ~40 ms of the event loop at 15,000 agents, a dashboard request's wait each time Prometheus scrapes
  // (bench/README.md, "Agent work in slices"). keyready_agent_connections counts what they would.
  for (const name of EXPENSIVE_DEFAULT_METRICS) registry.removeSingleMetric(name);
  return {
    registry,
    agentConnections: new Gauge({ name: 'keyready_agent_connections', help: 'Open agent WebSocket connections', registers: [registry] }),
    pausedConnections: new Gauge({
      name: 'keyready_agent_connections_paused',
      help: 'Agent connections not being read because a full batch of reports waits for the store (ingest backpressure)',
      registers: [registry],
    }),
    liveSessions: new Gauge({ name: 'keyready_live_sessions', help: 'Open dashboard live sockets', registers: [registry] }),
    reportsIngested: new Counter({
      name: 'keyready_reports_ingested_total',
      help: 'Reports acknowledged, by result (stored, or replay already stored)',
      labelNames: ['result'],
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: 'keyready_ack_latency_seconds',
      help: 'Time from receiving a report to sending its ack (includes the commit)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ingestBatch: new Histogram({
      name: 'keyready_ingest_batch_seconds',
      help: 'Time to store one batch of reports in one transaction (the commit every ack in it waits for)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'keyready_auth_failures_total',
      help: 'Failed agent authentications and dashboard logins, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rejectedConnections: new Counter({
      name: 'keyready_rejected_connections_total',
      help: 'Agent connections shed before authentication, by reason (rate-limited, overloaded, idle-evicted; handshake-wait: closed unread after waiting too long for a TLS handshake slot)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    tcpAccepted: new Counter({ name: 'keyready_tcp_accepted_total', help: 'TCP connections accepted (agents and dashboards)', registers: [registry] }),
    tlsHandshakes: new Counter({
      name: 'keyready_tls_handshakes_total',
      help: 'TLS handshakes completed, by session (resumed from a ticket, or full)',
      labelNames: ['session'],
      registers: [registry],
    }),
    hellos: new Counter({ name: 'keyready_agent_hellos_total', help: 'Agent hellos received', registers: [registry] }),
    welcomes: new Counter({ name: 'keyready_agent_welcomes_total', help: 'Agent welcomes sent (hellos accepted)', registers: [registry] }),
    agentFaults: new Counter({
      name: 'keyready_agent_faults_total',
      help: 'Agent connections closed for a protocol fault, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    storeErrors: new Counter({ name: 'keyready_store_errors_total', help: 'Store operations that failed', registers: [registry] }),
    writes: new WriteHealth(new Gauge({ name: 'keyready_store_writable', help: '1 when the latest store write succeeded, 0 when it failed', registers: [registry] })),
  };
}
