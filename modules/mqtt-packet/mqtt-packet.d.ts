// Type of the firmware's mqtt-packet module (mqtt-packet.js, generated). Deliberately
// opaque: src/mqtt/client/mqtt-codec.ts types the few members it uses itself, because
// mqtt-packet's own typings need Node's.

declare const packet: unknown;
export default packet;
