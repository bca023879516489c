import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { EngineLayout } from './engine-layout.js';
import { childProcess, isEngineProcess } from './engine-process.js';

/** A dockerd stream that stays open and quiet: only daemon reloads are daemon events. */
const DOCKER_QUIET_STREAM = `/events?filters=${encodeURIComponent(JSON.stringify({ type: ['daemon'] }))}`;

/**
 * Holds one connection to the engine's socket and calls `onClosed` once when it ends: the kernel
 * closes it when the engine dies. dockerd gets a filtered /events request (an idle connection
 * without a request would hit its header timeout); containerd an HTTP/2 session with no stream
 * (gRPC keeps idle connections). Neither keeps this process alive.
 */
function holdConnection(layout: EngineLayout, onClosed: () => void): () => void {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    onClosed();
  };
  if (layout.engine === 'containerd') {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(layout.socket) });
    session.unref();
    session.on('error', close);
    session.on('close', close);
    return () => {
      closed = true;
      session.destroy();
    };
  }
  const req = http.request({ socketPath: layout.socket, path: DOCKER_QUIET_STREAM, agent: false });
  req.on('socket', (socket) => socket.unref());
  req.on('response', (res) => {
    res.resume();
    res.on('close', close);
  });
  req.on('error', close);
  req.on('close', close);
  req.end();
  return () => {
    closed = true;
    req.destroy();
  };
}

/**
 * Calls `onExit` once when the engine process `pid` has exited, without polling: for an engine
 * this process started, its exit event; for one it adopted (started by an earlier daemon), the
 * end of a connection held to its socket, confirmed by the process table. An adopted engine that
 * ends the connection but still runs is watched again after `retryMs`. Returns the cancel function.
 */
export function watchEngineExit(layout: EngineLayout, pid: number, onExit: () => void, retryMs: number): () => void {
  let cancelled = false;
  // Always after the caller has its cancel function, even for an engine found dead at once.
  const exited = () => {
    if (!cancelled) queueMicrotask(onExit);
    cancelled = true;
  };
  const child = childProcess(pid);
  if (child) {
    child.once('exit', exited);
    return () => {
      cancelled = true;
      child.off('exit', exited);
    };
  }
  let release = () => {};
  let retry: NodeJS.Timeout | undefined;
  const watch = () => {
    if (cancelled) return;
    if (!isEngineProcess(layout, pid)) return exited();
    release = holdConnection(layout, () => {
      if (!isEngineProcess(layout, pid)) return exited();
      retry = setTimeout(watch, retryMs);
      retry.unref();
    });
  };
  watch();
  return () => {
    cancelled = true;
    clearTimeout(retry);
    release();
  };
}
