import { ACTIVE_STATUSES, FINAL_STATUSES, IJob, JobStatus } from './tokens';

export { MAX_LOG_TAIL } from './jobclient';

/**
 * The schema id of the events the server pushes about jobs.
 */
export const JOB_EVENT_SCHEMA_ID =
  'https://events.jupyter.org/jupyter_jobs/job/v1';

/**
 * Whether a status is final (completed, failed or cancelled).
 */
export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.indexOf(status) !== -1;
}

/**
 * Whether a status is active (queued, running or cancelling).
 */
export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.indexOf(status) !== -1;
}

/**
 * Parse an ISO 8601 time of the server into epoch milliseconds; a time
 * without an offset is UTC. Returns `null` for a missing or invalid time.
 */
export function parseTime(value: string | null | undefined): number | null {
  if (!value) {
    return null;
  }
  let text = value.trim();
  if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)) {
    text += 'Z';
  }
  const ms = Date.parse(text);
  return isNaN(ms) ? null : ms;
}

/**
 * Format a duration in milliseconds as `m:ss`, `h:mm:ss` or `Nd h:mm:ss`.
 */
export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0 || !isFinite(ms)) {
    return '';
  }
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  if (days > 0) {
    return `${days}d ${hours}:${pad(minutes)}:${pad(seconds)}`;
  }
  if (hours > 0) {
    return `${hours}:${pad(minutes)}:${pad(seconds)}`;
  }
  return `${minutes}:${pad(seconds)}`;
}

/**
 * Compare two jobs for the newest-first order: by creation time, then by id.
 */
export function compareNewestFirst(a: IJob, b: IJob): number {
  const ta = parseTime(a.created_at) ?? 0;
  const tb = parseTime(b.created_at) ?? 0;
  if (ta !== tb) {
    return tb - ta;
  }
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
