// TransportFactory over the ECMA-419 TCP socket, `embedded:io/socket/tcp` (device host
// layer; lwIP on an ESP32, POSIX sockets on x-cli-lin). ECMA-419 sockets refuse a write
// larger than what the last onWritable allowed ("would block"), so bytes beyond that wait
// in a small queue and go out as onWritable reports room. Handlers are only ever called
// from socket callbacks or a zero-delay timer, never from inside write or close, as the
// port requires; onClose runs exactly once per connection.

import TCP from 'embedded:io/socket/tcp';
import Timer from 'timer';
import type { Transport, TransportFactory, TransportHandlers } from '../../src/ports/index.js';

export interface TcpTransportOptions {
  /** IPv4 address of the broker (the device has resolved any host name before). */
  readonly address: string;
  readonly port: number;
  /** Bytes that may wait for the socket before the connection is dropped (default 16 KB). */
  readonly maxQueued?: number;
}

const DEFAULT_MAX_QUEUED = 16 * 1024;

export function createTcpTransport(options: TcpTransportOptions): TransportFactory {
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  return (handlers: TransportHandlers): Transport => {
    let socket: TCP | undefined;
    let writable = 0;
    let opened = false;
    let closed = false;
    let queued = 0;
    const queue: Uint8Array[] = [];

    const finish = (reason: string) => {
      if (closed) return;
      closed = true;
      const s = socket;
      socket = undefined;
      queue.length = 0;
      try {
        s?.close();
      } catch {
        // already closed by the stack
      }
      Timer.set(() => handlers.onClose(reason), 0);
    };

    // Writes as much of the queue as the socket takes now; false when the socket failed.
    const flush = (): void => {
      while (socket !== undefined && queue.length > 0 && writable > 0) {
        const head = queue[0]!;
        const n = Math.min(head.length, writable);
        try {
          socket.write(n === head.length ? head : head.subarray(0, n));
        } catch (error) {
          finish(`write failed: ${String(error)}`);
          return;
        }
        writable -= n;
        queued -= n;
        if (n === head.length) queue.shift();
        else queue[0] = head.subarray(n);
      }
    };

    try {
      socket = new TCP({
        address: options.address,
        port: options.port,
        nodelay: true, // MQTT packets are small; latency matters more than segments
        format: 'buffer',
        onWritable(count: number) {
          if (closed) return;
          writable = count;
          if (!opened) {
            opened = true;
            handlers.onOpen();
          }
          flush();
        },
        onReadable(count: number) {
          if (closed) return;
          const bytes = this.read(count) as ArrayBuffer | undefined;
          if (bytes !== undefined && bytes.byteLength > 0) handlers.onData(new Uint8Array(bytes));
        },
        onError() {
          finish(opened ? 'connection lost' : 'connection refused');
        },
      });
    } catch (error) {
      // Bad address or no socket: report it like any failed connection, asynchronously.
      closed = true;
      Timer.set(() => handlers.onClose(`cannot connect: ${String(error)}`), 0);
    }

    return {
      write(bytes: Uint8Array): void {
        if (closed) return;
        // Copy only what must wait: the caller may reuse its buffer once write returns.
        if (queue.length === 0 && bytes.length <= writable && socket !== undefined) {
          try {
            socket.write(bytes);
            writable -= bytes.length;
          } catch (error) {
            finish(`write failed: ${String(error)}`);
          }
          return;
        }
        if (queued + bytes.length > maxQueued) {
          finish('send queue overflow');
          return;
        }
        queue.push(bytes.slice());
        queued += bytes.length;
        flush();
      },
      close(): void {
        finish('closed locally');
      },
    };
  };
}
