import type { Socket } from 'node:net';
import type { Server } from 'node:tls';

/** A TLS connection starts with a handshake record; anything else is not TLS. */
const TLS_HANDSHAKE = 0x16;

/** What Go's net/http (and so kube-apiserver) answers plain HTTP sent to its TLS port. */
export const PLAIN_HTTP_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/**
 * Makes the TLS server answer a plain-HTTP client as kube-apiserver does
 * (400 and a sentence) instead of closing the connection without a word.
 * The first bytes of each connection are read before TLS takes it over; a
 * handshake is handed back unread (TLS takes what the socket buffered).
 */
export function answerPlainHttp(server: Server): void {
  const secure = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first[0] !== TLS_HANDSHAKE) {
        socket.end(PLAIN_HTTP_ANSWER);
        return;
      }
      socket.unshift(first);
      for (const listener of secure) listener.call(server, socket);
    });
  });
}
