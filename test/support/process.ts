/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True if the process is still there after up to `ms`: an orphan is reaped by init a moment after it dies. */
export async function stillAlive(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (processExists(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return processExists(pid);
}
