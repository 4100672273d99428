// The dashboards' socket (/api/live): only a signed-in dashboard of this site may open it.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE } from '../../protocol/messages.ts';
import { rejectUpgrade } from '../shared/http.ts';
import type { LiveHub } from './live.ts';
import type { Sessions } from './session.ts';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;

/** How often open live sockets re-check their session: ended elsewhere (another collector, a password reset), they close. */
const REVALIDATE_MS = 10_000;

export function liveEndpoint(live: LiveHub, sessions: Sessions, closing: () => boolean): UpgradeHandler {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, clientTracking: false });
  // A logout ends the session's live sockets too: they would otherwise keep streaming the fleet.
  const bySession = new Map<string, Set<WebSocket>>();
  const end = (value: string): void => {
    for (const ws of bySession.get(value) ?? []) ws.close(CLOSE.unauthorized, 'signed out');
  };
  sessions.onRevoked(end);
  setInterval(() => {
    for (const value of bySession.keys()) {
      // A store error is not a logout: the sockets stay until the session is known to be gone.
      sessions.alive(value).then((alive) => alive || end(value), () => undefined);
    }
  }, REVALIDATE_MS).unref();
  return async (req, socket, head) => {
    // Browsers always send Origin: a page from another site must not ride the session cookie.
    const origin = req.headers.origin;
    if (origin !== undefined && safeHost(origin) !== req.headers.host) return rejectUpgrade(socket, 403, 'Forbidden');
    const session = await sessions.verify(req.headers.cookie);
    if (!session) return rejectUpgrade(socket, 401, 'Unauthorized');
    if (closing()) return rejectUpgrade(socket, 503, 'Service Unavailable');
    sockets.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const open = bySession.get(session.value) ?? new Set<WebSocket>();
      bySession.set(session.value, open.add(ws));
      ws.on('close', () => {
        open.delete(ws);
        if (open.size === 0 && bySession.get(session.value) === open) bySession.delete(session.value);
      });
      live.add(ws);
    });
  };
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
