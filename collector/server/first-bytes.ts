// Sorting a new connection by its first bytes, before any TLS or HTTP work is done on it: the front
// process and the TLS gate tell a browser from an agent this way (client-hello.ts over TLS,
// request-line.ts without it).
import type { Socket } from 'node:net';

/**
 * Reads a connection accepted paused until `browser` can say from the bytes so far whether it is a
 * browser's (undefined: not yet), then calls `sorted` with those bytes, to be put back for the server
 * that takes the connection, and the answer. `browser` must answer by a bounded number of bytes.
 */
export function sortByFirstBytes(socket: Socket, browser: (received: Buffer) => boolean | undefined, sorted: (received: Buffer, browser: boolean) => void): void {
  let received = Buffer.alloc(0);
  const onReadable = (): void => {
    for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) received = Buffer.concat([received, chunk]);
    const answer = browser(received);
    if (answer === undefined) return;
    socket.off('readable', onReadable);
    sorted(received, answer);
  };
  socket.on('readable', onReadable);
}
