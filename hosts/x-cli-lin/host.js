// Bindings to host.c (host layer, Moddable x-cli-lin only). Plain JavaScript because
// Moddable's `@ "native"` host-function syntax has no TypeScript spelling; host.d.ts
// types it for the TypeScript that imports it.

function exit(code) @ "xs_host_exit";
function getenv(name) @ "xs_host_getenv";
function microseconds() @ "xs_host_microseconds";
function write(text) @ "xs_host_write";
function counters(collect) @ "xs_host_memory";

function memory(collect) {
	const c = counters(collect);
	return Object.freeze({ chunks: c[0], peakChunks: c[1], slots: c[2], peakSlots: c[3], slotBytes: c[4], maxChunks: c[5], maxSlots: c[6] });
}

function readFile(path) @ "xs_host_read_file";
function writeFile(path, buffer) @ "xs_host_write_file";
function deleteFile(path) @ "xs_host_delete_file";
function makeDirectory(path) @ "xs_host_make_directory";

function flashOpen(path, byteLength) @ "xs_host_flash_open";
function flashRead(fd, offset, byteLength) @ "xs_host_flash_read";
function flashWrite(fd, offset, byteLength, buffer) @ "xs_host_flash_write";
function flashErase(fd, offset, byteLength) @ "xs_host_flash_erase";

// A file that behaves like NOR flash, with the shape of Moddable's Flash class.
class FileFlash {
	#fd;
	constructor(path, byteLength, blockSize = 4096) {
		if ((byteLength % blockSize) !== 0)
			throw new RangeError("byteLength must be whole sectors");
		this.#fd = flashOpen(path, byteLength);
		this.byteLength = byteLength;
		this.blockSize = blockSize;
		Object.freeze(this);
	}
	// Out of the area throws, as Moddable's Flash does, rather than growing the file.
	#check(offset, byteLength) {
		if (!Number.isInteger(offset) || !Number.isInteger(byteLength) || (offset < 0) || (byteLength < 0) || ((offset + byteLength) > this.byteLength))
			throw new RangeError("outside the flash area");
	}
	read(offset, byteLength) {
		this.#check(offset, byteLength);
		return flashRead(this.#fd, offset, byteLength);
	}
	write(offset, byteLength, buffer) {
		this.#check(offset, byteLength);
		flashWrite(this.#fd, offset, byteLength, buffer);
	}
	erase(sector) {
		this.#check(sector * this.blockSize, this.blockSize);
		flashErase(this.#fd, sector * this.blockSize, this.blockSize);
	}
}
Object.freeze(FileFlash.prototype);

export { exit, getenv, microseconds, write, memory, readFile, writeFile, deleteFile, makeDirectory, FileFlash };
