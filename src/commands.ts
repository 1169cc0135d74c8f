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
}
