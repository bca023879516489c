import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { WebSocket } from 'ws';
import type { Status } from '../kube/types.js';
import { Channel, CHANNEL_PROTOCOLS, channelWriter, OutputSink } from './channels.js';
import { fromDocker } from './docker-errors.js';
import { badRequest, boolParam } from './params.js';
import type { PreparedStream } from './stream.js';

// The engine may report the exec as running for a moment after its stream ended.
const EXIT_CODE_DEADLINE_MS = 5000;

/** What kubectl exec expects on the error channel: Success, or the exit code as kube's NonZeroExitCode. */
export function exitStatus(command: string[], exitCode: number): Omit<Status, 'apiVersion' | 'kind' | 'code'> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  const deadline = Date.now() + EXIT_CODE_DEADLINE_MS;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running || Date.now() > deadline) return info.ExitCode ?? -1;
    await sleep(20);
  }
}

interface ExecRequest {
  command: string[];
  tty: boolean;
  stdin: boolean;
}

export function execParams(query: URLSearchParams, offered: string[]): ExecRequest {
  const command = query.getAll('command');
  if (command.length === 0) throw badRequest('exec needs a command: one "command" query parameter per argument');
  if (!offered.some((p) => CHANNEL_PROTOCOLS.includes(p))) {
    throw badRequest(`exec needs the WebSocket subprotocol ${CHANNEL_PROTOCOLS.join(' or ')}`);
  }
  return { command, tty: boolParam(query, 'tty', false), stdin: boolParam(query, 'stdin', false) };
}

/** Wires client messages to the exec: stdin, resize, and (v5) closing stdin. */
function forwardInput(ws: WebSocket, exec: Docker.Exec, engine: Duplex, req: ExecRequest): void {
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case Channel.stdin:
        if (req.stdin) engine.write(payload);
        break;
      case Channel.resize: {
        if (!req.tty) break;
        let size: { Width?: unknown; Height?: unknown };
        try {
          size = JSON.parse(payload.toString('utf8')) as typeof size;
        } catch {
          break;
        }
        if (typeof size.Width === 'number' && typeof size.Height === 'number') {
          exec.resize({ w: size.Width, h: size.Height }).catch(() => undefined);
        }
        break;
      }
      case Channel.close:
        if (payload[0] === Channel.stdin) engine.end();
        break;
    }
  });
}

/** Creates and starts the exec (`docker exec`) before the upgrade, so engine errors still become a Status. */
export async function prepareExec(docker: Docker, id: string, query: URLSearchParams, offered: string[]): Promise<PreparedStream> {
  const req = execParams(query, offered);
  let exec: Docker.Exec;
  let engine: Duplex;
  try {
    exec = await docker.getContainer(id).exec({ Cmd: req.command, AttachStdin: req.stdin, AttachStdout: true, AttachStderr: true, Tty: req.tty });
    engine = (await exec.start({ hijack: true, stdin: true, Detach: false, Tty: req.tty })) as Duplex;
  } catch (err) {
    throw fromDocker(err, id);
  }
  return {
    run(ws: WebSocket) {
      const sink = new OutputSink(ws, engine, true);
      if (req.tty) engine.on('data', (chunk: Buffer) => sink.write(Channel.stdout, chunk));
      else docker.modem.demuxStream(engine, channelWriter(sink, Channel.stdout), channelWriter(sink, Channel.stderr));
      forwardInput(ws, exec, engine, req);
      engine.once('close', () => {
        exitCodeOf(exec).then(
          (code) => {
            sink.write(Channel.error, Buffer.from(JSON.stringify(exitStatus(req.command, code))));
            sink.end();
            ws.close(1000);
          },
          () => {
            sink.end();
            ws.close(1011, 'could not read the exit code from the engine');
          },
        );
      });
      engine.on('error', () => undefined);
      ws.on('close', () => engine.destroy());
    },
    abort: () => engine.destroy(),
  };
}
