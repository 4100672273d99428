// The collector's side of its front process (front.ts): starts it, hands each agent's connection it
// passes on to `onAgent`, serves what it forwards on a private socket, and starts it again if it dies
// (its port is closed meanwhile: agents retry, as after any restart). The socket lives in a
// directory only this user can open, so no other local user can claim a browser's address through it.
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorText } from '../../protocol/error-text.ts';
import { trustClientAddressHeader } from '../shared/http.ts';
import { tsxEntry } from '../shared/tsx-entry.ts';
import { FromFront, type FrontStart } from './messages.ts';

export interface FrontOptions extends Omit<FrontStart, 'type' | 'collectorSocket'> {
  /** Answers what the front forwards: the collector's own request and upgrade handlers. */
  collector: Server;
  onAgent(socket: Socket, hello: Buffer): void;
  /** The front stopped on its own and is being started again (`error` when that failed). */
  onRestart(reason: string, error?: unknown): void;
  /** A read the front answered itself failed (FrontStart's reads). */
  onRequestFailed(path: string, reason: string): void;
}

/** Between a front that died and its replacement; doubled on each failed start, up to the maximum. */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

/** The front's code: beside the collector's bundle in dist/ (installers/build.ts), or front.ts run through tsx. */
function spawnFront(): ChildProcess {
  const options: ForkOptions = { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' };
  if (!import.meta.url.endsWith('.ts')) return fork(fileURLToPath(new URL('./keyready-collector-front.mjs', import.meta.url)), [], { ...options, execArgv: [] });
  return fork(fileURLToPath(new URL('./front.ts', import.meta.url)), [], { ...options, execArgv: ['--import', tsxEntry('.')] });
}

export class FrontProcess {
  #child: ChildProcess | null = null;
  #closing = false;
  #restart: NodeJS.Timeout | null = null;
  #delay = RESTART_DELAY_MS;
  #stopping: Promise<void> | null = null;

  private constructor(
    private readonly options: FrontOptions,
    private readonly dir: string,
    /** The port first bound (0 in the options picks one); a restart binds the same. */
    public port: number,
  ) {}

  /** Listens on the private socket, starts the front and resolves once it listens on the port. */
  static async start(options: FrontOptions): Promise<FrontProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'keyready-front-'));
    const front = new FrontProcess(options, dir, options.port);
    options.collector.on('connection', trustClientAddressHeader);
    // Only the front's kept-alive connections come here: a server-side idle timeout would race its reuse of one (a reset request).
    options.collector.keepAliveTimeout = 0;
    try {
      await new Promise<void>((done, fail) => {
        options.collector.once('error', fail);
        options.collector.listen(front.#socketPath, () => {
          options.collector.off('error', fail);
          done();
        });
      });
      front.port = await front.#spawn();
      return front;
    } catch (error) {
      await front.close();
      throw error;
    }
  }

  get #socketPath(): string {
    return join(this.dir, 'collector.sock');
  }

  #spawn(): Promise<number> {
    const { collector: _collector, onAgent, onRestart: _onRestart, onRequestFailed, ...start } = this.options;
    const child = spawnFront();
    this.#child = child;
    /** Connections passed over and not yet released by the front (front.ts, handOver). */
    const held = new Map<number, { socket: Socket; hello: Buffer }>();
    return new Promise<number>((done, fail) => {
      child.on('message', (raw: unknown, handle: unknown) => {
        const message = FromFront.safeParse(raw);
        if (!message.success) return;
        if (message.data.type === 'listening') done(message.data.port);
        else if (message.data.type === 'failed') fail(new Error(`the dashboard's front process could not listen: ${message.data.message}`));
        else if (message.data.type === 'agent' && handle) held.set(message.data.id, { socket: handle as Socket, hello: Buffer.from(message.data.hello, 'base64') });
        else if (message.data.type === 'released') {
          const connection = held.get(message.data.id);
          held.delete(message.data.id);
          if (connection) onAgent(connection.socket, connection.hello);
        } else if (message.data.type === 'request-failed') onRequestFailed(message.data.path, message.data.reason);
      });
      child.once('error', (error) => fail(new Error(`the dashboard's front process did not start: ${errorText(error)}`)));
      child.once('exit', (code, signal) => {
        // Never released: the front may have read from them what the collector needed.
        for (const { socket } of held.values()) socket.destroy();
        held.clear();
        const reason = `exited (${signal ?? code})`;
        fail(new Error(`the dashboard's front process ${reason} before listening`));
        if (this.#child === child) this.#child = null;
        if (!this.#closing) this.#scheduleRestart(reason);
      });
      child.send({ type: 'start', ...start, port: this.port, collectorSocket: this.#socketPath } satisfies FrontStart);
    }).catch((error: unknown) => {
      child.kill();
      throw error;
    });
  }

  #scheduleRestart(reason: string): void {
    this.options.onRestart(reason);
    const delay = this.#delay;
    // A front that dies again at once is started ever less often, up to the maximum.
    this.#delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.#restart = setTimeout(() => {
      this.#restart = null;
      if (this.#closing) return;
      this.#spawn().then(
        () => (this.#delay = RESTART_DELAY_MS),
        // Its exit schedules the next try.
        (error: unknown) => this.options.onRestart(reason, error),
      );
    }, delay);
  }

  /** Stops accepting new connections, once however often asked; those open stay until close(). */
  stopAccepting(): Promise<void> {
    return (this.#stopping ??= this.#stopAccepting());
  }

  async #stopAccepting(): Promise<void> {
    this.#closing = true;
    if (this.#restart) clearTimeout(this.#restart);
    const child = this.#child;
    if (!child?.connected) return;
    const acknowledged = new Promise<void>((done) => child.on('message', (raw: unknown) => FromFront.safeParse(raw).data?.type === 'closed' && done()));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.send({ type: 'close' });
    await Promise.race([acknowledged, exited]);
  }

  /** Lets the front go (it exits when its channel closes: front.ts) and closes the private socket. */
  async close(): Promise<void> {
    await this.stopAccepting();
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      if (child.connected) child.disconnect();
      else child.kill();
      await exited;
    }
    const { collector } = this.options;
    collector.closeAllConnections();
    if (collector.listening) await new Promise<void>((done) => collector.close(() => done()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
