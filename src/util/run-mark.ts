/**
 * The mark that names this process as the owner of what it leaves outside itself: its
 * temporary directories, QEMU's `-name`, its containers' names. After a SIGKILL, the mark is
 * all there is to tell a killed run's leftovers from a live run's resources.
 */
export function runMark(pid: number = process.pid): string {
  return `boxwright-pid${pid}`;
}

const MARKED = /boxwright-pid(\d+)(?!\d)/;

/** The pid in the first run mark of `text`, if it has one. */
export function markedPid(text: string): number | undefined {
  const m = MARKED.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The pid of a name that begins with a run mark (boxwright-pid42-qemu-Ab12): a directory's or a container's. */
export function ownerOfName(name: string): number | undefined {
  return name.startsWith('boxwright-pid') ? markedPid(name) : undefined;
}

/** True while a process with this pid exists (one of another user's counts: EPERM). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` marks leftovers: its run is over. A pid in use by another process counts
 * as alive, so a reused pid leaves an orphan in place rather than removing a live run's work.
 */
export function runIsOver(pid: number): boolean {
  return pid !== process.pid && !processIsAlive(pid);
}
