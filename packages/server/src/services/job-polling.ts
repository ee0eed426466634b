/**
 * Long polling of background jobs: answer as soon as the job leaves PENDING or the
 * wait runs out. A job run by this process wakes the poller at once (an event); one
 * run by another server process is noticed by re-reading the job every second.
 */
import { once, type EventEmitter } from 'node:events';

/** The longest wait a poll may ask for (below common proxy timeouts of 60 s). */
export const MAX_POLL_SECONDS = 55;

/**
 * Reads the job with `read` until it is no longer PENDING or `timeoutSeconds` (capped
 * at MAX_POLL_SECONDS) have passed, waking on `event` from `events`.
 */
export async function pollJob<J extends { status: string }>(
  read: () => Promise<J>,
  events: EventEmitter,
  event: string,
  timeoutSeconds: number,
): Promise<J> {
  const deadline = Date.now() + Math.min(Math.max(timeoutSeconds, 0), MAX_POLL_SECONDS) * 1000;
  for (;;) {
    const job = await read();
    const left = deadline - Date.now();
    if (job.status !== 'PENDING' || left <= 0) return job;
    const wake = new AbortController();
    const timer = setTimeout(
      () => {
        wake.abort();
      },
      Math.min(left, 1000),
    );
    try {
      await once(events, event, { signal: wake.signal });
    } catch {
      // the second passed without news: read the job again
    } finally {
      clearTimeout(timer);
    }
  }
}
