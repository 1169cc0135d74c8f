import { TranslationBundle } from '@jupyterlab/translation';
import {
  checkIcon,
  circleEmptyIcon,
  closeIcon,
  LabIcon,
  runningIcon,
  stopIcon
} from '@jupyterlab/ui-components';

import { JobStatus } from './tokens';

/**
 * The SVG of the jobs icon: a list with a play mark, themed by `jp-icon3`.
 */
const JOBS_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 5h12v2H3zM3 11h8v2H3zM3 17h8v2H3z"/>
    <path d="M14 10.5v9l7-4.5z"/>
  </g>
</svg>`;

/**
 * The SVG of the failed status: an exclamation mark in a circle.
 */
const FAILED_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-2h2zm0-4h-2V7h2z"/>
  </g>
</svg>`;

/**
 * The icon of the Jobs panel.
 */
export const jobsIcon = new LabIcon({
  name: 'jupyter-jobs:jobs',
  svgstr: JOBS_SVG
});

/**
 * The icon of a failed job.
 */
export const failedIcon = new LabIcon({
  name: 'jupyter-jobs:failed',
  svgstr: FAILED_SVG
});

/**
 * The icon of a job status.
 */
export function statusIcon(status: JobStatus): LabIcon {
  switch (status) {
    case 'queued':
      return circleEmptyIcon;
    case 'running':
      return runningIcon;
    case 'cancelling':
      return stopIcon;
    case 'completed':
      return checkIcon;
    case 'failed':
      return failedIcon;
    case 'cancelled':
    default:
      return closeIcon;
  }
}

/**
 * The word for a job status, translated.
 */
export function statusLabel(
  status: JobStatus,
  trans: TranslationBundle
): string {
  switch (status) {
    case 'queued':
      return trans.__('Queued');
    case 'running':
      return trans.__('Running');
    case 'cancelling':
      return trans.__('Cancelling');
    case 'completed':
      return trans.__('Completed');
    case 'failed':
      return trans.__('Failed');
    case 'cancelled':
      return trans.__('Cancelled');
    default:
      return status;
  }
}
