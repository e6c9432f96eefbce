// Netstring framing of the xsnap-worker pipe protocol (tools layer, Node only).
// xsnap-worker reads and writes `<decimal length>:<payload>,` on fds 3 and 4; this is
// the whole framing, written here so the gateway need not load @agoric/xsnap's JS
// driver (which requires SES's lockdown of the whole Node process).

/** Frames one message: the concatenation of `parts`. */
export function frameNetstring(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const head = new TextEncoder().encode(`${length}:`);
  const out = new Uint8Array(head.length + length + 1);
  out.set(head, 0);
  let at = head.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  out[at] = 0x2c; // ','
  return out;
}

/** Incremental reader: feed chunks as they arrive, get whole messages out. */
export class NetstringReader {
  private buffer = new Uint8Array(0);

  constructor(private readonly maxLength: number) {}

  /** Appends a chunk and returns every message it completes. Throws on a framing error. */
  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    const messages: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const colon = joined.indexOf(0x3a, at);
      if (colon < 0) {
        if (joined.length - at > 20) throw new Error('netstring: length prefix too long');
        break;
      }
      let length = 0;
      for (let i = at; i < colon; i++) {
        const digit = joined[i]! - 0x30;
        if (digit < 0 || digit > 9) throw new Error('netstring: bad length prefix');
        length = length * 10 + digit;
      }
      if (colon === at || length > this.maxLength) throw new Error(`netstring: bad length ${length}`);
      const end = colon + 1 + length;
      if (joined.length < end + 1) break;
      if (joined[end] !== 0x2c) throw new Error('netstring: missing comma');
      messages.push(joined.slice(colon + 1, end));
      at = end + 1;
    }
    this.buffer = joined.slice(at);
    return messages;
  }
}
