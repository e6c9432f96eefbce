// TransportFactory on node:net (desktop host layer): one TCP connection to the
// broker per call, Nagle off (MQTT packets are small and latency matters more
// than segments). Handlers run from socket events, so never inside write/close;
// received Buffers reach the core as plain Uint8Array views (no copy: Node gives
// every read its own memory, so the client may keep views of it); onClose runs
// once per connection, with the socket error as the reason when there was one.

import { type Socket, connect } from 'node:net';
import type { Transport, TransportFactory, TransportHandlers } from '../../src/ports/index.js';

const END_GRACE_MS = 1000;

export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
}

export function createTcpTransport(options: TcpTransportOptions): TransportFactory {
  return (handlers: TransportHandlers): Transport => {
    const socket: Socket = connect({ host: options.host, port: options.port, noDelay: true });
    let error: string | undefined;
    let closedLocally = false;
    let closed = false;
    socket.on('connect', () => {
      if (!closed) handlers.onOpen();
    });
    socket.on('data', (chunk: Buffer) => {
      if (!closedLocally && !closed) handlers.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on('error', (e: Error) => {
      error ??= e.message;
    });
    socket.on('close', () => {
      if (closed) return;
      closed = true;
      handlers.onClose(error ?? (closedLocally ? 'closed locally' : 'closed by the broker'));
    });
    return {
      write(bytes: Uint8Array): void {
        if (!closedLocally && !socket.destroyed) socket.write(bytes);
      },
      close(): void {
        if (closedLocally) return;
        closedLocally = true;
        if (socket.connecting || socket.destroyed) {
          socket.destroy();
          return;
        }
        // end, so a last packet written (DISCONNECT) still goes out; a broker that does not
        // close its side soon is cut off.
        socket.end();
        setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
      },
    };
  };
}
