/**
 * The command ids of jupyter-jobs.
 */
export namespace CommandIDs {
  /**
   * Run a notebook or a script as a background job (opens the dialog).
   */
  export const run = 'jupyter-jobs:run';
  /**
   * Open the view of a job (args: `id`).
   */
  export const open = 'jupyter-jobs:open';
  /**
   * Cancel a job (args: `id`).
   */
  export const cancel = 'jupyter-jobs:cancel';
  /**
   * Remove a finished job (args: `id`).
   */
  export const remove = 'jupyter-jobs:remove';
  /**
   * Submit a job again with the same parameters (args: `id`).
   */
  export const rerun = 'jupyter-jobs:rerun';
  /**
   * Open the dialog prefilled from a job, to run it again with changes.
   */
  export const rerunWithChanges = 'jupyter-jobs:rerun-with-changes';
  /**
   * Open the output notebook of a job (args: `id`).
   */
  export const openOutput = 'jupyter-jobs:open-output';
  /**
   * Insert the code that loads a job's results as a new cell below the
   * active cell of the current notebook (args: `id`).
   */
  export const insertResultsCode = 'jupyter-jobs:insert-results-code';
  /**
   * Remove every finished job.
   */
  export const clearFinished = 'jupyter-jobs:clear-finished';
  /**
   * Reload the job list.
   */
  export const refresh = 'jupyter-jobs:refresh';
  /**
   * Show the Jobs panel.
   */
  export const showPanel = 'jupyter-jobs:show-panel';
  /**
   * Open the view of a sweep: its table and chart (args: `id`).
   */
  export const openSweep = 'jupyter-jobs:open-sweep';
  /**
   * Cancel every active run of a sweep (args: `id`).
   */
  export const cancelSweep = 'jupyter-jobs:cancel-sweep';
  /**
   * Run a sweep again as a new sweep (args: `id`).
   */
  export const rerunSweep = 'jupyter-jobs:rerun-sweep';
  /**
   * Run the failed runs of a sweep again as a new sweep (args: `id`).
   */
  export const rerunFailedSweep = 'jupyter-jobs:rerun-failed-sweep';
  /**
   * Remove a finished sweep and its runs (args: `id`).
   */
  export const removeSweep = 'jupyter-jobs:remove-sweep';
  /**
   * Insert the code that loads a sweep's table as a new cell below the
   * active cell of the current notebook (args: `id`).
   */
  export const insertSweepCode = 'jupyter-jobs:insert-sweep-code';
  /**
   * Pause a schedule (args: `id`).
   */
  export const pauseSchedule = 'jupyter-jobs:pause-schedule';
  /**
   * Resume a paused schedule (args: `id`).
   */
  export const resumeSchedule = 'jupyter-jobs:resume-schedule';
  /**
   * Submit a job from a schedule now (args: `id`).
   */
  export const runSchedule = 'jupyter-jobs:run-schedule';
  /**
   * Delete a schedule after a confirmation; its jobs stay (args: `id`).
   */
  export const removeSchedule = 'jupyter-jobs:remove-schedule';
  /**
   * Edit a schedule in the submit dialog (args: `id`); registered by the
   * dialog's plugin.
   */
  export const editSchedule = 'jupyter-jobs:edit-schedule';
  /**
   * Reload the schedule list.
   */
  export const refreshSchedules = 'jupyter-jobs:refresh-schedules';
}
