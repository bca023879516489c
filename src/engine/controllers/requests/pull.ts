import type Docker from 'dockerode';
import { RequestFailure, refusedAs } from './outcome.js';

/** status.progress of an ImagePullRequest while it pulls. */
export interface PullProgress {
  layersDone: number;
  layersTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** "done/total" for the Layers column. */
  summary: string;
}

interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

const DONE_STATUSES = new Set(['Pull complete', 'Already exists']);

/** Folds docker's pull events (one stream of JSON lines, one id per layer) into layer and byte counts. */
export class PullTracker {
  private readonly layers = new Map<string, { done: boolean; current: number; total: number }>();

  /** Returns true when the event changed the counts. */
  apply(event: PullEvent): boolean {
    // Events without a layer id, and "Pulling from <repo>" whose id is the tag, are not layers.
    if (!event.id || !event.status || event.status.startsWith('Pulling from')) return false;
    const layer = this.layers.get(event.id) ?? { done: false, current: 0, total: 0 };
    this.layers.set(event.id, layer);
    if (DONE_STATUSES.has(event.status)) {
      layer.done = true;
      layer.current = layer.total;
    } else if (event.status === 'Downloading' && event.progressDetail?.total) {
      layer.current = event.progressDetail.current ?? 0;
      layer.total = event.progressDetail.total;
    }
    return true;
  }

  progress(): PullProgress {
    let layersDone = 0;
    let bytesDone = 0;
    let bytesTotal = 0;
    for (const layer of this.layers.values()) {
      if (layer.done) layersDone++;
      bytesDone += layer.current;
      bytesTotal += layer.total;
    }
    return { layersDone, layersTotal: this.layers.size, bytesDone, bytesTotal, summary: `${layersDone}/${this.layers.size}` };
  }
}

/**
 * Pulls `repoTag` as `docker pull` does, reporting progress as it goes. A
 * registry error (answered before the stream or inside it) is a PullFailed
 * RequestFailure carrying the registry's message.
 */
export async function pullImage(docker: Docker, repoTag: string, onProgress: (progress: PullProgress) => void): Promise<void> {
  const stream = await refusedAs('PullFailed', () => docker.pull(repoTag) as Promise<NodeJS.ReadableStream>);
  const tracker = new PullTracker();
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(new Error(`pulling ${repoTag}: the engine's stream broke: ${err.message}`, { cause: err })) : resolve()),
      (event: PullEvent) => {
        if (event.error) failure = event.errorDetail?.message ?? event.error;
        else if (tracker.apply(event)) onProgress(tracker.progress());
      },
    );
  });
  if (failure !== undefined) throw new RequestFailure('PullFailed', failure);
  onProgress(tracker.progress());
}
