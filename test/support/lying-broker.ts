// A lying broker for tests (test layer, Node only): aedes in this process, no authentication,
// the test answering every device request as the gateway would — real light blocks for
// HEADER_RANGE from a real gateway's store, and for other methods whatever the test says
// (honest or forged), so a light peer behind it must tell the two apart itself.

import { Aedes, type AedesPublishPacket } from 'aedes';
import { type AddressInfo, createServer } from 'node:net';
import { DeviceTopic, ErrorCode, Method, type Request, chainTopics, decodeRequest, encodeResponse, parseDeviceTopic } from '../../src/index.js';
import type { Gateway } from '../../tools/gateway/gateway.js';

export interface LyingBroker {
  readonly url: string;
  readonly topics: ReturnType<typeof chainTopics>;
  publish(topic: string, payload: Uint8Array, retain?: boolean): void;
}

/**
 * Starts the broker; `answer` gives the payloads of a request other than HEADER_RANGE, or
 * undefined for NOT_FOUND. Stopped by the test's teardown.
 */
export async function startLyingBroker(
  t: { teardown(fn: () => unknown): void },
  gateway: Gateway,
  chainId: Uint8Array,
  answer: (request: Request) => Uint8Array[] | undefined,
): Promise<LyingBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const client of Object.values((broker as unknown as { clients: Record<string, { close(): void }> }).clients)) client.close();
    broker.close();
  }));
  const topics = chainTopics(chainId);
  const publish = (topic: string, payload: Uint8Array, retain = false) =>
    broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false } as AedesPublishPacket, () => {});
  broker.on('publish', (packet, client) => {
    if (!client) return;
    const target = parseDeviceTopic(chainId, packet.topic);
    if (!target || target.topic !== DeviceTopic.REQUEST) return;
    let request: Request;
    try {
      request = decodeRequest(new Uint8Array(packet.payload as Buffer));
    } catch {
      return;
    }
    let payloads: Uint8Array[] | undefined = [];
    if (request.method === Method.HEADER_RANGE) {
      const [from, to] = request.params as number[];
      for (let h = Math.max(1, from!); h <= Math.min(to!, from! + 7, gateway.store.latestBlock()?.height ?? 0); h++) payloads.push(gateway.store.block(h)!.lightBlock);
    } else {
      payloads = answer(request);
    }
    const code = payloads ? ErrorCode.OK : ErrorCode.NOT_FOUND;
    publish(topics.device(target.deviceId, DeviceTopic.RESPONSE), encodeResponse({ id: request.id, code, payloads: payloads ?? [] }));
  });
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, topics, publish };
}
