// A stand-in for Moddable's `preference` module on x-cli-lin, which has no NVS (test layer,
// Moddable module). Keeps values in memory with what the ESP32 implementation does that
// the firmware relies on: ArrayBuffers are stored as copies and read back as new ones,
// domains and keys longer than NVS's 15 characters are refused, a missing key reads as
// undefined and deleting it is not an error.

// Made at first use: this module is preloaded with the store that imports it, and a Map
// made while preloading would be read-only at run time.
let domains;

function check(domain, key) {
	if ((typeof domain !== "string") || (domain.length < 1) || (domain.length > 15))
		throw new RangeError("bad domain");
	if ((typeof key !== "string") || (key.length < 1) || (key.length > 15))
		throw new RangeError("bad key");
}

export default class Preference {
	static set(domain, key, value) {
		check(domain, key);
		if (value instanceof ArrayBuffer)
			value = value.slice(0);
		else if ((typeof value !== "string") && (typeof value !== "number") && (typeof value !== "boolean"))
			throw new TypeError("unsupported value");
		domains ??= new Map();
		let entries = domains.get(domain);
		if (!entries)
			domains.set(domain, entries = new Map());
		entries.set(key, value);
	}
	static get(domain, key) {
		check(domain, key);
		const value = domains?.get(domain)?.get(key);
		return (value instanceof ArrayBuffer) ? value.slice(0) : value;
	}
	static delete(domain, key) {
		check(domain, key);
		domains?.get(domain)?.delete(key);
	}
	static keys(domain) {
		return [...(domains?.get(domain)?.keys() ?? [])];
	}
}
