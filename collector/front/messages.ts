// What the collector and its front process (front.ts, front-process.ts) tell each other over the IPC
// channel. Both ends parse what they receive: a message of another version is an error, not a guess.
import * as z from 'zod';

export const FrontStart = z.object({
  type: z.literal('start'),
  host: z.string(),
  port: z.number().int().min(0).max(65535),
  backlog: z.number().int().positive(),
  /** The collector's TLS, served to browsers as it would; null: plain HTTP (then the front exists for `reads`). */
  tls: z
    .object({
      /** PEM. */
      cert: z.string(),
      key: z.string(),
      /** base64 of the secret session-ticket keys derive from (shared/tls-tickets.ts). */
      ticketMaster: z.string(),
    })
    .nullable(),
  staticRoot: z.string(),
  /** The collector's private socket for what the front forwards (a path). */
  collectorSocket: z.string(),
  /**
   * The dashboard's reads (routes.ts, answeredFromStore) answered by the front from its own connection
   * to the store: PostgreSQL only (a SQLite file is its collector's writer thread's). Null: forwarded.
   */
  reads: z
    .object({
      postgresUrl: z.string(),
      /** The Graph tenant PCs' details are joined with (tenant/device-view.ts); null when not configured. */
      tenantId: z.string().nullable(),
      logLevel: z.string(),
    })
    .nullable(),
});
export type FrontStart = z.infer<typeof FrontStart>;

/** To the front: stop accepting (the collector is stopping). */
export const FrontClose = z.object({ type: z.literal('close') });

export const ToFront = z.discriminatedUnion('type', [FrontStart, FrontClose]);
export type ToFront = z.infer<typeof ToFront>;

export const FromFront = z.discriminatedUnion('type', [
  z.object({ type: z.literal('listening'), port: z.number().int().min(1).max(65535) }),
  /** Could not listen (the port taken, not allowed): the collector reports it and exits. */
  z.object({ type: z.literal('failed'), message: z.string() }),
  /** An agent's connection, sent with the message; `hello` is what was read of it (base64). */
  z.object({ type: z.literal('agent'), id: z.number().int().nonnegative(), hello: z.string() }),
  /** The front closed its own copy of connection `id`: from now on only the collector reads it. */
  z.object({ type: z.literal('released'), id: z.number().int().nonnegative() }),
  z.object({ type: z.literal('closed') }),
  /** A read the front answered with a 500: the collector counts and logs it as its own (keyready_store_errors_total). */
  z.object({ type: z.literal('request-failed'), path: z.string(), reason: z.string() }),
]);
export type FromFront = z.infer<typeof FromFront>;
