// Starting a gateway's parts in order (tools layer): if one part fails to start (say, its port is
// taken), the parts opened before it are closed again, newest first, and the error is thrown.

/** Runs `assemble`, which pushes a closer onto `opened` for each part it opens. */
export async function openInOrder<T>(assemble: (opened: (() => unknown)[]) => Promise<T>): Promise<T> {
  const opened: (() => unknown)[] = [];
  try {
    return await assemble(opened);
  } catch (error) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
    throw error;
  }
}
