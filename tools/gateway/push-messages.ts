// How the gateway pushes the two messages it sends for every transaction (tools layer,
// Node only): the ack (docs/protocol.md §9.2) and the proof message (§9.3). Their bytes
// are the core's (encodeAck, encodeProofMessage in src/mqtt/, which write them straight
// into one exactly sized buffer); what is the gateway's is the QoS it sends them at.

/**
 * QoS of acks and proof messages (docs/protocol.md §9.1). 0: the light peer never relies on the
 * broker to queue or re-deliver either (§11.4: an ack that does not come is answered by sending
 * the transaction again, which gets REPLAY, then PROOF; after every reconnect the peer asks for
 * the proof of every acknowledged transaction). Over a live connection TCP delivers QoS 0 in
 * order as well as QoS 1; what QoS 1 added was a PUBACK back for each message and the broker
 * keeping each one for a persistent session: two of the six MQTT packets of every transaction,
 * and about 7 µs of the gateway's main thread per transaction (measured with bench:gateway).
 */
export const PUSH_QOS = 0;
