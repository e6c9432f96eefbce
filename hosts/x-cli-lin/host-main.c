/*
 * The headless Linux host's process entry (host layer, Moddable x-cli-lin only).
 *
 * Moddable's x-cli-* platforms link no main() of their own: the app brings one.
 * This one boots the preloaded XS machine, imports "main", then runs the GLib
 * main loop that Moddable's Linux timer and ECMA-419 socket modules schedule on,
 * until JS calls exit() (host.c). Uses the xs.h API, which xsmc.h forbids, hence
 * a file of its own.
 */

#include "xsAll.h"
#include "mc.xs.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

GMainLoop *gHostLoop = NULL;
int gHostExitCode = 0;
int gHostExited = 0;

void fxAbort(xsMachine *the, int status)
{
	// XS calls this on out-of-memory, stack overflow and unhandled errors: a device would
	// reboot; a process reports why and ends with a distinct status.
	static const char *const names[] = {
		"debugger", "not enough memory", "JavaScript stack overflow", "fatal check", "dead strip",
		"unhandled exception", "no more keys", "too much computation", "unhandled rejection", "native stack overflow",
	};
	const char *name = ((status >= 0) && (status < (int)(sizeof(names) / sizeof(names[0])))) ? names[status] : "?";
	fprintf(stderr, "### XS abort %d (%s): chunks %ld of %ld bytes, slots %ld of %ld\n", status, name,
		(long)the->currentChunksSize, (long)the->maximumChunksSize, (long)the->currentHeapCount, (long)the->maximumHeapCount);
	fflush(stdout);
	exit(100 + status);
}

int main(int argc, char *argv[])
{
	static txMachine root;
	txMachine *machine = &root;
	txPreparation *preparation = xsPreparation();
	int error = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);

	// Same set-up as Moddable's x-cli-mac REPL host: the machine is cloned from the
	// preparation (the preloaded heap that lives in flash on a device).
	c_memset(machine, 0, sizeof(txMachine));
	machine->preparation = preparation;
	machine->keyArray = preparation->keys;
	machine->keyCount = (txID)preparation->keyCount + (txID)preparation->creation.initialKeyCount;
	machine->keyIndex = (txID)preparation->keyCount;
	machine->nameModulo = preparation->nameModulo;
	machine->nameTable = preparation->names;
	machine->symbolModulo = preparation->symbolModulo;
	machine->symbolTable = preparation->symbols;
	machine->stack = &preparation->stack[0];
	machine->stackBottom = &preparation->stack[0];
	machine->stackTop = &preparation->stack[preparation->stackCount];
	machine->firstHeap = &preparation->heap[0];
	machine->freeHeap = &preparation->heap[preparation->heapCount - 1];
	machine->aliasCount = (txID)preparation->aliasCount;

	machine = fxCloneMachine(&preparation->creation, machine, "botpeer", NULL);
	if (!machine) {
		fprintf(stderr, "### cannot create the XS machine\n");
		return 2;
	}

	gHostLoop = g_main_loop_new(NULL, FALSE);
	xsBeginHost(machine);
	{
		xsVars(1);
		xsTry {
			// The manifest's creation.main names the module to run.
			xsAwaitImport(preparation->main, XS_IMPORT_NAMESPACE);
		}
		xsCatch {
			fprintf(stderr, "### %s\n", xsToString(xsException));
			error = 1;
		}
	}
	xsEndHost(machine);

	if (!error && !gHostExited)
		g_main_loop_run(gHostLoop);
	g_main_loop_unref(gHostLoop);
	gHostLoop = NULL;

	xsDeleteMachine(machine);
	return error ? 1 : gHostExitCode;
}
