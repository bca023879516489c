import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { WebSocket } from 'ws';
import { Channel, CHANNEL_PROTOCOLS, channelWriter, OutputSink } from './channels.js';
import { fromDocker } from './docker-errors.js';
import { boolParam, tailParam } from './params.js';
import type { PreparedStream } from './stream.js';

/** Opens the engine's log stream of a container (`docker logs`), validating the query first. */
export async function prepareLogs(docker: Docker, id: string, query: URLSearchParams): Promise<PreparedStream> {
  const follow = boolParam(query, 'follow', true);
  const timestamps = boolParam(query, 'timestamps', false);
  const tail = tailParam(query);
  let tty: boolean;
  let source: Readable;
  try {
    const container = docker.getContainer(id);
    tty = (await container.inspect()).Config.Tty;
    // Dialled directly: dockerode's logs() buffers the whole log in memory unless following.
    source = await new Promise<Readable>((resolve, reject) =>
      docker.modem.dial(
        {
          path: `/containers/${encodeURIComponent(id)}/logs?`,
          method: 'GET',
          options: { follow, stdout: true, stderr: true, tail, timestamps },
          isStream: true,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        },
        (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as Readable)),
      ),
    );
  } catch (err) {
    throw fromDocker(err, id);
  }
  return {
    run(ws: WebSocket, protocol: string) {
      const sink = new OutputSink(ws, source, CHANNEL_PROTOCOLS.includes(protocol));
      if (tty) source.on('data', (chunk: Buffer) => sink.write(Channel.stdout, chunk));
      else docker.modem.demuxStream(source, channelWriter(sink, Channel.stdout), channelWriter(sink, Channel.stderr));
      source.on('end', () => {
        sink.end();
        ws.close(1000);
      });
      source.on('error', () => ws.close(1011, 'the engine ended the log stream with an error'));
      ws.on('close', () => source.destroy());
    },
    abort: () => source.destroy(),
  };
}
