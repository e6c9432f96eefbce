/*
 * Native services of the headless Linux host (host layer, Moddable x-cli-lin only).
 *
 * Gives JS what a desktop process needs and an ESP32 gets elsewhere: environment
 * variables (x-cli builds have no mc/config), a microsecond clock, XS's own memory
 * counters, small durable files (the KeyValueStore) and a file that behaves like
 * NOR flash (the outbox's flash area, so the device's flash code runs unchanged).
 */

#include "xsAll.h"
#include "xsmc.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

extern GMainLoop *gHostLoop;	// host-main.c
extern int gHostExitCode;
extern int gHostExited;

void xs_host_exit(xsMachine *the)
{
	gHostExitCode = (xsmcArgc > 0) ? xsmcToInteger(xsArg(0)) : 0;
	gHostExited = 1;
	fflush(stdout);
	if (gHostLoop)
		g_main_loop_quit(gHostLoop);
}

void xs_host_getenv(xsMachine *the)
{
	const char *value = getenv(xsmcToString(xsArg(0)));
	if (value)
		xsmcSetString(xsResult, (char *)value);
}

void xs_host_microseconds(xsMachine *the)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	xsmcSetNumber(xsResult, ((double)now.tv_sec * 1e6) + ((double)now.tv_nsec / 1e3));
}

void xs_host_write(xsMachine *the)
{
	// Output flushed at once: the console of this host, read line by line by the tests.
	fputs(xsmcToString(xsArg(0)), stdout);
	fflush(stdout);
}

// XS's own counters: chunks in bytes, slots as a count (16 bytes each on a 32-bit
// ESP32, sizeof(txSlot) here). With a true argument, collects garbage first so
// "current" is what is live, not what is waiting for the collector.
void xs_host_memory(xsMachine *the)
{
	if ((xsmcArgc > 0) && xsmcTest(xsArg(0)))
		xsCollectGarbage();
	txSize chunks = the->currentChunksSize, peakChunks = the->peakChunksSize;
	txSize slots = the->currentHeapCount, peakSlots = the->peakHeapCount;
	// An array, not an object: property names would need ids that only JS code creates.
	txSize values[7] = { chunks, peakChunks, slots, peakSlots, (txSize)sizeof(txSlot), the->maximumChunksSize, the->maximumHeapCount };
	xsmcVars(1);
	xsmcSetNewArray(xsResult, 7);
	for (int i = 0; i < 7; i++) {
		xsmcSetInteger(xsVar(0), values[i]);
		xsmcSetIndex(xsResult, i, xsVar(0));
	}
}


// --- files: readFile(path) → ArrayBuffer | undefined; writeFile(path, buffer) atomically;
// deleteFile(path); makeDirectory(path). Atomic = write a temporary file, fsync, rename,
// fsync the directory: a crash leaves the old content or the new, as the port requires.

void xs_host_read_file(xsMachine *the)
{
	const char *path = xsmcToString(xsArg(0));
	int fd = open(path, O_RDONLY);
	struct stat info;
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		xsUnknownError("cannot open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &info) < 0) {
		close(fd);
		xsUnknownError("cannot stat %s", path);
	}
	xsmcSetArrayBuffer(xsResult, NULL, (xsIntegerValue)info.st_size);
	uint8_t *bytes = xsmcToArrayBuffer(xsResult);
	off_t done = 0;
	while (done < info.st_size) {
		ssize_t got = pread(fd, bytes + done, info.st_size - done, done);
		if (got <= 0) {
			close(fd);
			xsUnknownError("cannot read %s", path);
		}
		done += got;
	}
	close(fd);
}

static void syncDirectoryOf(const char *path)
{
	char directory[1024];
	const char *slash = strrchr(path, '/');
	size_t length = slash ? (size_t)(slash - path) : 1;
	if (length >= sizeof(directory))
		return;
	if (slash)
		memcpy(directory, path, length);
	else
		directory[0] = '.';
	directory[length] = 0;
	int fd = open(directory, O_RDONLY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

void xs_host_write_file(xsMachine *the)
{
	char temporary[1100];
	const char *path = xsmcToString(xsArg(0));
	void *data;
	xsUnsignedValue size;
	if (snprintf(temporary, sizeof(temporary), "%s.tmp", path) >= (int)sizeof(temporary))
		xsRangeError("path too long");
	int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		xsUnknownError("cannot create %s: %s", temporary, strerror(errno));
	xsmcGetBufferReadable(xsArg(1), &data, &size);
	xsUnsignedValue done = 0;
	while (done < size) {
		ssize_t put = write(fd, (uint8_t *)data + done, size - done);
		if (put <= 0) {
			close(fd);
			xsUnknownError("cannot write %s", temporary);
		}
		done += (xsUnsignedValue)put;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		xsUnknownError("cannot sync %s", temporary);
	path = xsmcToString(xsArg(0));	// fetch again: no pointer into the XS heap is held across calls into it
	if (rename(temporary, path) < 0)
		xsUnknownError("cannot rename to %s: %s", path, strerror(errno));
	syncDirectoryOf(path);
}

void xs_host_delete_file(xsMachine *the)
{
	const char *path = xsmcToString(xsArg(0));
	if (unlink(path) < 0 && errno != ENOENT)
		xsUnknownError("cannot delete %s: %s", path, strerror(errno));
	syncDirectoryOf(path);
}

void xs_host_make_directory(xsMachine *the)
{
	const char *path = xsmcToString(xsArg(0));
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		xsUnknownError("cannot make %s: %s", path, strerror(errno));
}

// --- a file that behaves like NOR flash: erase sets a sector to 0xFF; programming can only
// clear bits (AND), as on the ESP32's SPI flash; every write and erase is fsynced.
// flashOpen(path, byteLength) → fd (the file is made, all 0xFF, when missing).

void xs_host_flash_open(xsMachine *the)
{
	const char *path = xsmcToString(xsArg(0));
	int byteLength = xsmcToInteger(xsArg(1));
	struct stat info;
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		xsUnknownError("cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &info) < 0) {
		close(fd);
		xsUnknownError("cannot stat %s", path);
	}
	if (info.st_size != byteLength) {
		uint8_t blank[4096];
		memset(blank, 0xFF, sizeof(blank));
		if (ftruncate(fd, 0) < 0) {
			close(fd);
			xsUnknownError("cannot size %s", path);
		}
		for (int at = 0; at < byteLength; at += (int)sizeof(blank)) {
			int n = (byteLength - at) < (int)sizeof(blank) ? (byteLength - at) : (int)sizeof(blank);
			if (pwrite(fd, blank, n, at) != n) {
				close(fd);
				xsUnknownError("cannot format %s", path);
			}
		}
		fsync(fd);
	}
	xsmcSetInteger(xsResult, fd);
}

void xs_host_flash_read(xsMachine *the)
{
	int fd = xsmcToInteger(xsArg(0));
	int offset = xsmcToInteger(xsArg(1));
	int byteLength = xsmcToInteger(xsArg(2));
	if ((offset < 0) || (byteLength < 0))
		xsRangeError("bad range");
	xsmcSetArrayBuffer(xsResult, NULL, byteLength);
	if (pread(fd, xsmcToArrayBuffer(xsResult), byteLength, offset) != byteLength)
		xsUnknownError("flash read failed");
}

void xs_host_flash_write(xsMachine *the)
{
	int fd = xsmcToInteger(xsArg(0));
	int offset = xsmcToInteger(xsArg(1));
	int byteLength = xsmcToInteger(xsArg(2));
	uint8_t current[256];
	void *data;
	xsUnsignedValue size;
	xsmcGetBufferReadable(xsArg(3), &data, &size);
	if ((offset < 0) || (byteLength <= 0) || (size < (xsUnsignedValue)byteLength))
		xsRangeError("bad range");
	for (int at = 0; at < byteLength; at += (int)sizeof(current)) {
		int n = (byteLength - at) < (int)sizeof(current) ? (byteLength - at) : (int)sizeof(current);
		if (pread(fd, current, n, offset + at) != n)
			xsUnknownError("flash read failed");
		for (int i = 0; i < n; i++)
			current[i] &= ((uint8_t *)data)[at + i];
		if (pwrite(fd, current, n, offset + at) != n)
			xsUnknownError("flash write failed");
	}
	fdatasync(fd);
}

void xs_host_flash_erase(xsMachine *the)
{
	int fd = xsmcToInteger(xsArg(0));
	int offset = xsmcToInteger(xsArg(1));
	int byteLength = xsmcToInteger(xsArg(2));
	uint8_t blank[4096];
	memset(blank, 0xFF, sizeof(blank));
	for (int at = 0; at < byteLength; at += (int)sizeof(blank)) {
		int n = (byteLength - at) < (int)sizeof(blank) ? (byteLength - at) : (int)sizeof(blank);
		if (pwrite(fd, blank, n, offset + at) != n)
			xsUnknownError("flash erase failed");
	}
	fdatasync(fd);
}
