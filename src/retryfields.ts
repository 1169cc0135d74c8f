import { TranslationBundle } from '@jupyterlab/translation';

import { IJob, IJobRequest } from './tokens';

/**
 * The class name of the retries and "start after" section of the form.
 */
export const RETRY_FIELDS_CLASS = 'jp-JobsSubmitForm-retries';

/**
 * The part of the submit form for what happens around a run: how many
 * times a failed run is tried again and after how long, and which active
 * jobs it waits for (`max_retries`, `retry_delay_seconds`, `after`,
 * `after_condition`).
 */
export class RetryFields {
  /**
   * Build the fields.
   */
  constructor(options: RetryFields.IOptions) {
    this._options = options;
    const { trans, field, select } = options;
    this.node = document.createElement('fieldset');
    this.node.className = RETRY_FIELDS_CLASS;
    const legend = document.createElement('legend');
    legend.textContent = trans.__('Retries and order');
    this.node.appendChild(legend);

    this._retriesInput = field(
      this.node,
      'max-retries',
      trans.__('Retries'),
      '0',
      trans.__('runs again after a failure')
    );
    this._delayInput = field(
      this.node,
      'retry-delay',
      trans.__('Retry delay (seconds)'),
      '0'
    );

    const jobs = options.activeJobs;
    this._afterSelect = select(
      this.node,
      'after',
      trans.__('Start after'),
      jobs.map(job => [job.id, RetryFields.describe(job, trans)])
    );
    this._afterSelect.multiple = true;
    // Created single, the select chose its first job: nothing is chosen yet.
    this._afterSelect.selectedIndex = -1;
    this._afterSelect.size = Math.min(Math.max(jobs.length, 2), 5);
    this._afterSelect.title = trans.__(
      'The job waits for the jobs chosen here (Ctrl or Shift to choose several)'
    );
    if (jobs.length === 0) {
      this._afterSelect.disabled = true;
      const none = document.createElement('option');
      none.disabled = true;
      none.textContent = trans.__('(no active jobs)');
      this._afterSelect.appendChild(none);
    }
    this._conditionSelect = select(
      this.node,
      'after-condition',
      trans.__('Start when they'),
      [
        ['completed', trans.__('complete (cancelled otherwise)')],
        ['finished', trans.__('finish, however they end')]
      ]
    );
  }

  /**
   * The fieldset.
   */
  readonly node: HTMLFieldSetElement;

  /**
   * Mark invalid inputs.
   */
  validate(): void {
    const { mark, trans } = this._options;
    for (const input of [this._retriesInput, this._delayInput]) {
      const text = input.value.trim();
      mark(
        input,
        text && !/^\d+$/.test(text)
          ? trans.__('Enter a whole number (0 or more).')
          : ''
      );
    }
  }

  /**
   * Put the fields' values into a job request (only those that differ from
   * the server's defaults).
   */
  fill(request: IJobRequest): void {
    const retries = Number(this._retriesInput.value.trim() || '0');
    const delay = Number(this._delayInput.value.trim() || '0');
    if (retries > 0) {
      request.max_retries = retries;
      if (delay > 0) {
        request.retry_delay_seconds = delay;
      }
    }
    const after = Array.from(this._afterSelect.selectedOptions)
      .map(option => option.value)
      .filter(id => id);
    if (after.length > 0) {
      request.after = after;
      request.after_condition = this._conditionSelect.value as
        'completed' | 'finished';
    }
  }

  private _options: RetryFields.IOptions;
  private _retriesInput: HTMLInputElement;
  private _delayInput: HTMLInputElement;
  private _afterSelect: HTMLSelectElement;
  private _conditionSelect: HTMLSelectElement;
}

/**
 * A namespace for `RetryFields` statics.
 */
export namespace RetryFields {
  /**
   * The options of the section.
   */
  export interface IOptions {
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * The jobs that may be waited for (queued or running).
     */
    activeJobs: IJob[];
    /**
     * The form's labelled text input.
     */
    field: (
      parent: HTMLElement,
      key: string,
      label: string,
      value: string,
      hint?: string
    ) => HTMLInputElement;
    /**
     * The form's labelled select.
     */
    select: (
      parent: HTMLElement,
      key: string,
      label: string,
      choices: [string, string][]
    ) => HTMLSelectElement;
    /**
     * The form's way to mark an input invalid with a message.
     */
    mark: (
      input: HTMLInputElement | HTMLSelectElement,
      message: string
    ) => void;
  }

  /**
   * A job as the "Start after" list shows it.
   */
  export function describe(job: IJob, trans: TranslationBundle): string {
    return trans.__('%1 (%2, %3)', job.name, job.status, job.id.slice(0, 8));
  }

  /**
   * Whether a job can still be waited for.
   */
  export function isActive(job: IJob): boolean {
    return job.status === 'queued' || job.status === 'running';
  }
}
