import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

/**
 * The states of a job (see docs/rest-api.yaml, `Status`).
 */
export type JobStatus =
  'queued' | 'running' | 'cancelling' | 'completed' | 'failed' | 'cancelled';

/**
 * Every job state, in lifecycle order.
 */
export const JOB_STATUSES: ReadonlyArray<JobStatus> = [
  'queued',
  'running',
  'cancelling',
  'completed',
  'failed',
  'cancelled'
];

/**
 * The states of a job that is not finished yet.
 */
export const ACTIVE_STATUSES: ReadonlyArray<JobStatus> = [
  'queued',
  'running',
  'cancelling'
];

/**
 * The states of a finished job.
 */
export const FINAL_STATUSES: ReadonlyArray<JobStatus> = [
  'completed',
  'failed',
  'cancelled'
];

/**
 * Progress of a job: code cells done out of the total.
 */
export interface IJobProgress {
  /**
   * Code cells finished.
   */
  done: number;
  /**
   * Code cells in the notebook (1 for a script).
   */
  total: number;
}

/**
 * Why a job failed.
 */
export interface IJobError {
  /**
   * A human readable message.
   */
  message: string;
  /**
   * The exception name, for an error raised in a cell.
   */
  ename?: string;
  /**
   * The exception value.
   */
  evalue?: string;
  /**
   * The index of the failing cell.
   */
  cell_index?: number;
  /**
   * The traceback lines (may contain ANSI escapes).
   */
  traceback?: string[];
  /**
   * The exit code of a script.
   */
  exit_code?: number;
}

/**
 * A job as the server describes it.
 */
export interface IJob {
  /**
   * The job id.
   */
  id: string;
  /**
   * The job name.
   */
  name: string;
  /**
   * The input file, relative to the server root.
   */
  path: string;
  /**
   * What the job runs.
   */
  kind: 'notebook' | 'script';
  /**
   * The backend name.
   */
  backend: string;
  /**
   * The backend's own id for the job.
   */
  backend_id?: string | null;
  /**
   * The job state.
   */
  status: JobStatus;
  /**
   * Why the job waits, if the backend says so.
   */
  status_reason?: string | null;
  /**
   * The parameters the job runs with.
   */
  parameters: { [name: string]: any };
  /**
   * The kernel, if one was chosen.
   */
  kernel_name?: string | null;
  /**
   * The backend resources.
   */
  resources?: { [name: string]: any };
  /**
   * When the job was created (ISO 8601).
   */
  created_at: string;
  /**
   * When the job started running.
   */
  started_at: string | null;
  /**
   * When the job finished.
   */
  finished_at: string | null;
  /**
   * Code cells done out of the total.
   */
  progress: IJobProgress;
  /**
   * Why the job failed.
   */
  error: IJobError | null;
  /**
   * The output file: relative to the server root when inside it, else absolute.
   */
  output_path: string | null;
  /**
   * Whether the output was ever fetched.
   */
  output_fetched?: boolean;
  /**
   * The sweep the job is a run of (`null` for an ordinary job).
   */
  sweep_id?: string | null;
  /**
   * The job's place in its sweep's grid (`null` for an ordinary job).
   */
  sweep_index?: number | null;
  /**
   * The schedule that fired the job, if any.
   */
  schedule_id?: string | null;
  /**
   * The attempt running or last run, from 1.
   */
  attempt?: number;
  /**
   * How many times a failed attempt is run again.
   */
  max_retries?: number;
  /**
   * The wait before a retry, in seconds.
   */
  retry_delay_seconds?: number;
  /**
   * Every attempt, the current one last.
   */
  attempts?: IJobAttempt[];
  /**
   * The jobs this one waits for.
   */
  after?: string[];
  /**
   * What they must end as: `completed`, or any end (`finished`).
   */
  after_condition?: 'completed' | 'finished' | null;
  /**
   * What the job costs, nulls where unknown.
   */
  usage?: IJobUsage;
}

/**
 * A request to submit a job.
 */
export interface IJobRequest {
  /**
   * A .ipynb or .py file, relative to the server root.
   */
  path: string;
  /**
   * Papermill parameters (or script parameters).
   */
  parameters?: { [name: string]: any };
  /**
   * The backend name.
   */
  backend?: string;
  /**
   * The job name.
   */
  name?: string;
  /**
   * The kernel to run the notebook with.
   */
  kernel_name?: string;
  /**
   * Backend resources (`time_limit` among them, on every backend).
   */
  resources?: { [name: string]: any };
  /**
   * How many times a failed attempt is run again (0 by default).
   */
  max_retries?: number;
  /**
   * The wait before a retry, in seconds.
   */
  retry_delay_seconds?: number;
  /**
   * Job ids to wait for.
   */
  after?: string[];
  /**
   * What they must end as: `completed` (default) or any end (`finished`).
   */
  after_condition?: 'completed' | 'finished';
}

/**
 * One attempt of a job.
 */
export interface IJobAttempt {
  attempt: number;
  status: JobStatus;
  started_at: string | null;
  finished_at: string | null;
  error: IJobError | null;
}

/**
 * What a job costs: its process tree's CPU and memory, nulls where unknown.
 */
export interface IJobUsage {
  cpu_percent: number | null;
  rss_bytes: number | null;
  peak_rss_bytes: number | null;
  cpu_seconds: number | null;
  gpu_memory_bytes: number | null;
}

/**
 * One event of a job's log.
 */
export interface ILogEvent {
  /**
   * 1, 2, 3... in the order the runner wrote them.
   */
  seq: number;
  /**
   * When it happened.
   */
  time: string;
  /**
   * The kind of event.
   */
  type:
    | 'status'
    | 'cell_start'
    | 'cell_end'
    | 'output'
    | 'clear_output'
    | 'update_display';
  /**
   * The new status, for `status` events.
   */
  status?: JobStatus;
  /**
   * The index of the cell in the output notebook.
   */
  cell_index?: number | null;
  /**
   * An nbformat output.
   */
  output?: { [key: string]: any };
  /**
   * The display id of an `update_display` (or a display output).
   */
  display_id?: string;
  /**
   * For `clear_output`: clear when the next output arrives.
   */
  wait?: boolean;
  /**
   * Progress after this event.
   */
  progress?: IJobProgress;
  /**
   * An error description.
   */
  error?: IJobError;
}

/**
 * A page of a job's log.
 */
export interface ILogPage {
  /**
   * The events in order.
   */
  events: ILogEvent[];
  /**
   * Pass as `after` to continue.
   */
  next: number;
}

/**
 * A value a job kept with `jupyter_jobs.record(name, value)` (never the value
 * itself: its name, how it is stored and its size).
 */
export interface IJobResult {
  /**
   * The name given to `record`.
   */
  name: string;
  /**
   * How the value is stored: plain data as JSON, anything else pickled.
   */
  format: 'json' | 'pickle';
  /**
   * The stored size in bytes.
   */
  size: number;
  /**
   * The Python type, e.g. `float`, `numpy.ndarray`.
   */
  type?: string | null;
}

/**
 * The results of a job, as `GET jobs/{id}/results` answers them.
 */
export interface IJobResults {
  /**
   * The recorded results, in recording order.
   */
  results: IJobResult[];
  /**
   * Python code that loads the results into a session; `null` unless the
   * job completed and recorded something.
   */
  load_code: string | null;
}

/**
 * A resource a backend accepts.
 */
export interface IBackendResource {
  /**
   * The resource name.
   */
  name: 'cpus' | 'memory' | 'gpus' | 'time_limit' | 'partition';
  /**
   * Its label.
   */
  label: string;
  /**
   * Its value type.
   */
  type: 'integer' | 'string';
  /**
   * A description.
   */
  description?: string;
  /**
   * Allowed values.
   */
  choices?: string[];
  /**
   * The default value.
   */
  default?: any;
}

/**
 * A backend that can run jobs.
 */
export interface IBackend {
  /**
   * The backend name.
   */
  name: string;
  /**
   * Its label.
   */
  label: string;
  /**
   * A description.
   */
  description?: string;
  /**
   * The resources it accepts.
   */
  resources: IBackendResource[];
  /**
   * The same resources as a JSON Schema of a request's `resources` object
   * (the submit dialog renders it as a form).
   */
  resources_schema?: { [key: string]: any };
}

/**
 * The backends of the server.
 */
export interface IBackendList {
  /**
   * The default backend name.
   */
  default: string;
  /**
   * The backends.
   */
  backends: IBackend[];
}

/**
 * A status change of a job seen by the manager.
 */
export interface IJobStatusChange {
  /**
   * The job after the change.
   */
  job: IJob;
  /**
   * The status before the change.
   */
  previous: JobStatus;
}

/**
 * Log events pushed for a job.
 */
export interface IJobLogChunk {
  /**
   * The job id.
   */
  jobId: string;
  /**
   * The events.
   */
  events: ILogEvent[];
  /**
   * The `after` to continue from.
   */
  next: number;
}

/**
 * The jobs manager: the job list kept current, and the job actions.
 */
export interface IJobsManager extends IDisposable {
  /**
   * Every known job, newest first.
   */
  readonly jobs: ReadonlyArray<IJob>;
  /**
   * Whether the list was loaded at least once.
   */
  readonly isReady: boolean;
  /**
   * The last error met talking to the server, cleared by the next success.
   */
  readonly lastError: string | null;
  /**
   * A signal emitted when the job list changes.
   */
  readonly changed: ISignal<IJobsManager, void>;
  /**
   * A signal emitted when a known job changes status.
   */
  readonly statusChanged: ISignal<IJobsManager, IJobStatusChange>;
  /**
   * A signal emitted when log events of a job are pushed.
   */
  readonly logReceived: ISignal<IJobsManager, IJobLogChunk>;
  /**
   * One job by id, if known.
   */
  get(id: string): IJob | undefined;
  /**
   * Reload the whole list from the server.
   */
  refresh(): Promise<void>;
  /**
   * Submit a job.
   */
  submit(request: IJobRequest): Promise<IJob>;
  /**
   * Cancel a job.
   */
  cancel(id: string): Promise<IJob>;
  /**
   * Remove a finished job; rejects with a 409 response error if its output
   * was never fetched and `force` is not set.
   */
  remove(id: string, force?: boolean): Promise<void>;
  /**
   * Submit a job again with the same file, parameters, backend and resources.
   */
  rerun(id: string): Promise<IJob>;
  /**
   * Fetch a page of a job's log.
   */
  fetchLog(id: string, after: number, limit?: number): Promise<ILogPage>;
  /**
   * Fetch the last `count` events of a job's log (at most 10000); `next` is
   * the last event's seq.
   */
  fetchLogTail(id: string, count: number): Promise<ILogPage>;
  /**
   * Fetch what a job recorded with `jupyter_jobs.record`, and the code that
   * loads it; for a finished job the server marks its results as seen,
   * unless `markSeen` is false.
   */
  fetchResults(id: string, markSeen?: boolean): Promise<IJobResults>;
  /**
   * Fetch a job's output: a notebook (JSON) or a text.
   */
  fetchOutput(id: string): Promise<any>;
  /**
   * The backends of the server.
   */
  backends(): Promise<IBackendList>;
  /**
   * Elapsed milliseconds of a job: running time so far or its duration.
   */
  elapsed(job: IJob, now?: number): number | null;
}

/**
 * The jobs manager token.
 */
export const IJobsManager = new Token<IJobsManager>(
  'jupyter-jobs:IJobsManager',
  'A service to list, submit, cancel and remove background jobs, kept current from the server.'
);

/**
 * The states of a sweep, summarised from its runs.
 */
export type SweepStatus =
  'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * A sweep's progress in runs.
 */
export interface ISweepProgress {
  /**
   * Runs finished (completed, failed or cancelled).
   */
  done: number;
  /**
   * Runs that failed.
   */
  failed: number;
  /**
   * Runs in the grid.
   */
  total: number;
}

/**
 * A sweep's table: one row per run, in grid order.
 */
export interface ISweepTable {
  /**
   * `index`, `job_id`, the grid's parameter names, `status`,
   * `duration_seconds`, then each scalar a run recorded.
   */
  columns: string[];
  /**
   * One row per run, by column name.
   */
  rows: { [column: string]: any }[];
}

/**
 * A sweep as the server describes it: one notebook or script run over the
 * cross product of a grid of parameter values.
 */
export interface ISweep {
  /**
   * The sweep id.
   */
  id: string;
  /**
   * The sweep name.
   */
  name: string;
  /**
   * The input file, relative to the server root.
   */
  path: string;
  /**
   * The sweep state, summarised from its runs.
   */
  status: SweepStatus;
  /**
   * The values of each varying parameter.
   */
  grid: { [name: string]: any[] };
  /**
   * The parameters every run shares.
   */
  parameters: { [name: string]: any };
  /**
   * The backend name.
   */
  backend: string;
  /**
   * The backend resources of every run.
   */
  resources?: { [name: string]: any } | null;
  /**
   * The kernel, if one was chosen.
   */
  kernel_name?: string | null;
  /**
   * At most this many runs at once (`null`: no limit).
   */
  max_concurrent?: number | null;
  /**
   * When the sweep was created (ISO 8601).
   */
  created_at: string;
  /**
   * Runs done, failed and in all.
   */
  progress: ISweepProgress;
  /**
   * The job ids of the runs, in grid order.
   */
  jobs?: string[];
  /**
   * The runs' parameters, status, duration and recorded scalars.
   */
  table?: ISweepTable;
}

/**
 * A request to submit a sweep: a job request with a grid.
 */
export interface ISweepRequest extends IJobRequest {
  /**
   * The values of each varying parameter (the runs are their cross product).
   */
  grid: { [name: string]: any[] };
  /**
   * At most this many runs at once.
   */
  max_concurrent?: number;
}

/**
 * A status change of a sweep seen by the sweeps manager.
 */
export interface ISweepStatusChange {
  /**
   * The sweep after the change.
   */
  sweep: ISweep;
  /**
   * The status before the change.
   */
  previous: SweepStatus;
}

/**
 * The sweeps manager: the sweep list kept current, and the sweep actions.
 */
export interface ISweepsManager extends IDisposable {
  /**
   * Every known sweep, newest first.
   */
  readonly sweeps: ReadonlyArray<ISweep>;
  /**
   * Whether the list was loaded at least once.
   */
  readonly isReady: boolean;
  /**
   * A signal emitted when a sweep was added, changed or removed.
   */
  readonly changed: ISignal<ISweepsManager, void>;
  /**
   * A signal emitted when a known sweep changes status.
   */
  readonly statusChanged: ISignal<ISweepsManager, ISweepStatusChange>;
  /**
   * One sweep by id, if known (with its table once fetched).
   */
  get(id: string): ISweep | undefined;
  /**
   * Reload the sweep list from the server.
   */
  refresh(): Promise<void>;
  /**
   * Fetch one sweep with its table and runs, and keep it.
   */
  fetch(id: string): Promise<ISweep>;
  /**
   * Submit a sweep.
   */
  submit(request: ISweepRequest): Promise<ISweep>;
  /**
   * Cancel every active run of a sweep.
   */
  cancel(id: string): Promise<ISweep>;
  /**
   * Run a sweep again as a new sweep: the same grid, or only the failed runs.
   */
  rerun(id: string, onlyFailed?: boolean): Promise<ISweep>;
  /**
   * Remove a finished sweep and its runs; rejects with a 409 response error
   * when results were never seen and `force` is not set.
   */
  remove(id: string, force?: boolean): Promise<void>;
}

/**
 * The sweeps manager token.
 */
export const ISweepsManager = new Token<ISweepsManager>(
  'jupyter-jobs:ISweepsManager',
  'A service to list, submit, cancel, re-run and remove sweeps (one notebook run over a grid of parameters), kept current from the server.'
);

/**
 * What to do with the runs a schedule missed while nothing could fire it:
 * skip them, or run one late.
 */
export type ScheduleCatchUp = 'skip' | 'once';

/**
 * What a schedule runs and when: the body of `POST schedules`.
 */
export interface IScheduleRequest {
  /**
   * The input notebook or script, relative to the server root.
   */
  path: string;
  /**
   * A cron expression (five fields).
   */
  cron: string;
  /**
   * An IANA time zone; the server's when missing.
   */
  timezone?: string;
  /**
   * The parameters of every run.
   */
  parameters?: { [name: string]: any };
  /**
   * The backend of every run.
   */
  backend?: string;
  /**
   * The backend resources of every run.
   */
  resources?: { [name: string]: any };
  /**
   * The schedule's name.
   */
  name?: string;
  /**
   * The kernel of a notebook's runs.
   */
  kernel_name?: string;
  /**
   * The catch-up rule for missed runs.
   */
  catch_up?: ScheduleCatchUp;
}

/**
 * A schedule as the server describes it.
 */
export interface ISchedule {
  id: string;
  name: string;
  path: string;
  cron: string;
  timezone: string;
  parameters: { [name: string]: any };
  backend: string;
  resources: { [name: string]: any };
  paused: boolean;
  kind?: string;
  kernel_name?: string | null;
  catch_up: ScheduleCatchUp;
  /**
   * The next run time (ISO 8601, UTC), or null when paused.
   */
  next_run_at: string | null;
  /**
   * The next three run times (ISO 8601, UTC).
   */
  next_runs?: string[];
  /**
   * The job of the last firing, or null before the first.
   */
  last_job_id: string | null;
  /**
   * Why the last firing created no job, if it failed.
   */
  last_error?: { message: string; at: string } | null;
  created_at: string;
  updated_at?: string;
}

/**
 * The next run times of a cron expression, as the dialog shows them.
 */
export interface ISchedulePreview {
  /**
   * The expression as the server understood it.
   */
  cron: string;
  /**
   * The time zone used.
   */
  timezone: string;
  /**
   * The next three run times (ISO 8601, UTC).
   */
  next_runs: string[];
}

/**
 * The schedules manager: the schedule list kept current, and the schedule
 * actions.
 */
export interface ISchedulesManager extends IDisposable {
  /**
   * Every known schedule, by name.
   */
  readonly schedules: ReadonlyArray<ISchedule>;
  /**
   * Whether the list was loaded at least once.
   */
  readonly isReady: boolean;
  /**
   * The last error met talking to the server, cleared by the next success.
   */
  readonly lastError: string | null;
  /**
   * A signal emitted when a schedule was added, changed or removed.
   */
  readonly changed: ISignal<ISchedulesManager, void>;
  /**
   * One schedule by id, if known.
   */
  get(id: string): ISchedule | undefined;
  /**
   * Reload the schedule list from the server.
   */
  refresh(): Promise<void>;
  /**
   * Create a schedule.
   */
  create(request: IScheduleRequest): Promise<ISchedule>;
  /**
   * Change some of a schedule's fields.
   */
  update(
    id: string,
    changes: Partial<IScheduleRequest> & { paused?: boolean }
  ): Promise<ISchedule>;
  /**
   * Pause or resume a schedule.
   */
  setPaused(id: string, paused: boolean): Promise<ISchedule>;
  /**
   * Submit a job from a schedule now; resolves with the job.
   */
  runNow(id: string): Promise<IJob>;
  /**
   * Delete a schedule (its jobs stay).
   */
  remove(id: string): Promise<void>;
}

/**
 * The schedules manager token.
 */
export const ISchedulesManager = new Token<ISchedulesManager>(
  'jupyter-jobs:ISchedulesManager',
  'A service to list, create, pause, resume, run and delete schedules (a notebook run on a cron schedule), kept current from the server.'
);
