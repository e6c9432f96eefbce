// Binding to random-hw.c (native module layer, Moddable only); random-hw.d.ts types it.

function fill(buffer) @ "xs_random_hw_fill";

/** A RandomSource port: `length` fresh bytes from the platform's cryptographic generator. */
function randomBytes(length) {
	const bytes = new Uint8Array(length);
	fill(bytes);
	return bytes;
}

export { fill, randomBytes };
