import type { WebSocket } from 'ws';

/**
 * A stream whose engine side is set up (so failures could still be answered
 * with a Status) and which waits for the WebSocket.
 */
export interface PreparedStream {
  /** Takes over the open WebSocket; `protocol` is the subprotocol agreed on ('' for none). */
  run(ws: WebSocket, protocol: string): void;
  /** Lets go of the engine side: the upgrade did not happen. */
  abort(): void;
}
