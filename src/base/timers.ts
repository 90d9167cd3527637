/** The longest delay Node's timers take; a longer one fires at once (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/**
 * setTimeout for any delay: one past about 24.8 days (Node's limit) waits in chunks, so a
 * template's `"timeout": "600h"` waits 600 hours instead of firing right away.
 */
export function setLongTimeout(fn: () => void, ms: number, chunkMs = MAX_TIMER_MS): LongTimer {
  let handle: NodeJS.Timeout;
  const due = Date.now() + ms;
  const arm = (left: number) => {
    handle = setTimeout(
      () => {
        const remaining = due - Date.now();
        if (left > chunkMs && remaining > 0) arm(remaining);
        else fn();
      },
      Math.min(Math.max(left, 0), chunkMs),
    );
  };
  arm(ms);
  return { clear: () => clearTimeout(handle) };
}
