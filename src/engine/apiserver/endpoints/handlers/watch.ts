import { releaseMemorySoon } from '../../../base/release-memory.js';
import type { KubeObject, WatchEventType } from '../../../kube/types.js';
import { apiVersionOf, present, type ResourceRequest } from '../../context.js';
import { tooLarge, tooOld } from '../errors.js';
import { boolParam, intParam, revisionParam } from '../query.js';
import { selectorPredicate, type Predicate } from '../filters.js';
import type { StoreEvent } from '../../store/store.js';
import { eventSinkOf } from '../local.js';
import { tableOf, wantsTable } from './read.js';

/** How long after a write a watch with allowWatchBookmarks gets a BOOKMARK carrying the current revision. */
export const BOOKMARK_INTERVAL_MS = 5_000;
/** A watcher this far behind (bytes buffered) is cut off, as kube drops slow watchers: the server's default cap. */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** The same for an in-process watcher, which is sent objects: about as many events as fill MAX_BUFFERED_BYTES. */
export const MAX_BUFFERED_EVENTS = 64 * 1024;

/**
 * A watch without timeoutSeconds lives between this and twice this long, as
 * kube-apiserver's --min-request-timeout (1800 s) does: clients re-watch, and
 * a watcher forgotten by its client does not hold the server for ever.
 * RDD_WATCH_MIN_LIFETIME_SECONDS sets it (tests use a few seconds).
 */
const DEFAULT_MIN_LIFETIME_SECONDS = 1800;

/** How long this watch may run, in ms: the client's timeoutSeconds, else a random time in [min, 2·min). */
export function watchLifetimeMs(timeoutSeconds: number, env: NodeJS.ProcessEnv = process.env): number {
  if (timeoutSeconds > 0) return timeoutSeconds * 1000;
  const configured = Number(env.RDD_WATCH_MIN_LIFETIME_SECONDS);
  const min = Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MIN_LIFETIME_SECONDS;
  return Math.round(min * 1000 * (1 + Math.random()));
}

interface Outgoing {
  type: WatchEventType;
  object: KubeObject;
}

/**
 * What a watcher with this filter sees of a store event. An object that
 * starts matching is ADDED, one that stops matching is DELETED — the
 * selector holds on watch exactly as on list.
 */
export function translate(ev: StoreEvent, matches: Predicate | undefined): Outgoing | undefined {
  // Without selectors everything matches, and the previous state (parsed on demand) need not be read.
  if (!matches) return { type: ev.type, object: ev.object };
  const now = matches(ev.object);
  if (ev.type !== 'MODIFIED') return now ? { type: ev.type, object: ev.object } : undefined;
  const before = ev.previous ? matches(ev.previous) : false;
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: ev.object };
  return before ? { type: 'DELETED', object: ev.object } : undefined;
}

// Watchers of one resource mostly send the same line for an event: encode it once.
const encoded = new WeakMap<StoreEvent, Map<string, string>>();

function encodeShared(ev: StoreEvent, type: WatchEventType, object: KubeObject): string {
  let lines = encoded.get(ev);
  if (!lines) {
    lines = new Map();
    encoded.set(ev, lines);
  }
  const key = `${type} ${object.apiVersion}`;
  let line = lines.get(key);
  if (line === undefined) {
    line = JSON.stringify({ type, object });
    lines.set(key, line);
  }
  return line;
}

/** Where the watch starts: undefined replays the current state as ADDED events first. */
function startRevision(rr: ResourceRequest): number | undefined {
  const rev = revisionParam(rr.query);
  // No resourceVersion, or 0 ("any"), starts from the current state, as sendInitialEvents asks.
  if (!rev || boolParam(rr.query, 'sendInitialEvents')) return undefined;
  if (rev > rr.ctx.store.revision) throw tooLarge(rev, rr.ctx.store.revision);
  return rev;
}

export function handleWatch(rr: ResourceRequest): void {
  const { store, shutdown, watchBacklog } = rr.ctx;
  const matches = selectorPredicate(rr);
  const from = startRevision(rr);
  const initialEvents = boolParam(rr.query, 'sendInitialEvents');
  const timeoutSeconds = intParam(rr.query, 'timeoutSeconds') ?? 0;
  const namespace = rr.resource.namespaced ? rr.namespace : undefined;
  const inScope = (ev: { namespace: string }) => namespace === undefined || ev.namespace === namespace;
  const bookmarks = boolParam(rr.query, 'allowWatchBookmarks');
  const table = wantsTable(rr);
  const res = rr.res;
  // The in-process client takes events as objects; tables are text for everyone.
  const sink = table ? undefined : eventSinkOf(res);
  // Stryker disable next-line ArrayDeclaration: a non-timer in the list is harmless, clearTimeout ignores it
  const timers: NodeJS.Timeout[] = [];
  let done = false;
  let unsubscribe = () => {};
  let stopBookmarks = () => {};

  const write = (type: WatchEventType, object: unknown, source?: StoreEvent) => {
    if (done) return;
    if (sink) {
      sink.sendEvent(type, object);
      if (sink.writableLength > watchBacklog.events) cutOff(`${sink.writableLength} events`);
      return;
    }
    let line: string;
    if (table && type !== 'BOOKMARK' && type !== 'ERROR') line = JSON.stringify({ type, object: tableOf(rr, [object as KubeObject], '') });
    else if (source) line = encodeShared(source, type, object as KubeObject);
    else line = JSON.stringify({ type, object });
    res.write(line + '\n');
    if (res.writableLength > watchBacklog.bytes) cutOff(`${res.writableLength} bytes`);
  };
  /** A bookmark says the watcher has every event up to `revision`. */
  const bookmark = (revision: number, annotations?: Record<string, string>) =>
    write('BOOKMARK', {
      kind: rr.resource.kind,
      apiVersion: apiVersionOf(rr),
      metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) },
    });

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  // Clients wait for the headers before they consider the watch open, even when no event is due yet.
  res.flushHeaders();
  shutdown.addEventListener('abort', finish);
  // The response closes when the client goes away (or we end it).
  res.on('close', finish);
  // Stryker disable next-line StringLiteral: nothing emits 'error' on a watch's response (writes stop at finish), and 'close' follows any error
  res.on('error', finish);

  // Replay and subscription happen in one synchronous step: no write can slip between them.
  let replay: Outgoing[];
  if (from === undefined) {
    const { items } = store.list(rr.resource.storageKey, namespace);
    replay = (matches ? items.filter(matches) : items).map((object) => ({ type: 'ADDED' as const, object }));
  } else {
    const events = store.eventsSince(rr.resource.storageKey, from);
    if (!events) {
      write('ERROR', tooOld(from, store.compactedRevision).toStatus());
      finish();
      return;
    }
    replay = events.filter(inScope).flatMap((ev) => translate(ev, matches) ?? []);
  }
  // The replay read writes whose batch is not committed yet; their events, published at the commit, are already sent.
  const replayedUpTo = store.revision;
  unsubscribe = store.hub.subscribe(rr.resource.storageKey, {
    onEvent: (ev) => {
      if (ev.revision <= replayedUpTo || !inScope(ev)) return;
      const out = translate(ev, matches);
      if (out) write(out.type, present(rr, out.object), ev);
    },
    onClose: () => finish(),
  });
  for (const ev of replay) write(ev.type, present(rr, ev.object));
  if (bookmarks && initialEvents) bookmark(replayedUpTo, { 'k8s.io/initial-events-end': 'true' });

  if (bookmarks && !done) stopBookmarks = scheduleBookmarks();
  if (!done) timers.push(setTimeout(() => finish(), watchLifetimeMs(timeoutSeconds)).unref());

  /**
   * A bookmark BOOKMARK_INTERVAL_MS after the watch opens and after each later write to the store
   * (of any resource): an idle daemon's watches need no timer. It carries the revision of the
   * latest write whose event has gone out, not store.revision: that also counts the writes of a
   * batch not committed yet, whose events come later, and a client that resumed from such a
   * bookmark would miss them.
   */
  function scheduleBookmarks(): () => void {
    let sent = replayedUpTo;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        bookmark(sent);
      }, BOOKMARK_INTERVAL_MS);
    };
    // The hub calls a resource's watchers before those of every write, so a write's event has gone to this watcher
    // before `sent` moves to it.
    const unsubscribeWrites = store.hub.subscribe(undefined, {
      onEvent: (ev) => {
        sent = ev.revision;
        arm();
      },
      onClose: () => {},
    });
    arm();
    return () => {
      unsubscribeWrites();
      clearTimeout(timer);
    };
  }

  /**
   * The client does not read what it is sent: ending the response would wait for it to read
   * the backlog, holding the memory. kube-apiserver closes such a watcher at once; so does
   * this, by destroying the connection, which frees its queue. The client re-watches.
   */
  function cutOff(backlog: string): void {
    if (done) return;
    rr.ctx.log.warn('watch closed: the client fell behind past the buffer cap', {
      resource: rr.resource.storageKey,
      backlog,
      cap: sink ? `${watchBacklog.events} events` : `${watchBacklog.bytes} bytes`,
    });
    finish();
    res.destroy();
    releaseMemorySoon();
  }

  function finish(): void {
    if (done) return;
    done = true;
    unsubscribe();
    stopBookmarks();
    for (const t of timers) clearTimeout(t);
    shutdown.removeEventListener('abort', finish);
    res.end();
  }
}
