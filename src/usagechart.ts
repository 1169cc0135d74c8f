import { ServerConnection } from '@jupyterlab/services';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { JSONObject } from '@lumino/coreutils';
import { Poll } from '@lumino/polling';
import { Panel, Widget } from '@lumino/widgets';

import { CommandIDs } from './commands';
import { memoryAdvice } from './memoryadvice';
import { formatDuration, isActive, isFinal } from './model';
import { requestAPI } from './request';
import { formatSize } from './results';
import { SweepChart } from './sweepchart';
import { IJob, IJobUsage } from './tokens';

/**
 * The class name of the usage section of a job view.
 */
export const JOB_USAGE_CLASS = 'jp-JobUsage';

/**
 * The class name of the memory advice of a job view.
 */
export const JOB_USAGE_ADVICE_CLASS = 'jp-JobUsage-advice';

/**
 * A job's usage summary with the figures the server adds to the job's
 * `usage` (null: unknown).
 */
export interface IUsageSummary extends IJobUsage {
  /**
   * The highest GPU memory seen.
   */
  peak_gpu_memory_bytes?: number | null;
  /**
   * Seconds from the first sample to the last.
   */
  wall_seconds?: number | null;
}

/**
 * One sample of `GET jobs/{id}/usage`.
 */
export interface IUsageSample {
  /**
   * When it was taken (ISO 8601).
   */
  time: string;
  /**
   * CPU use, in percent of one core.
   */
  cpu_percent: number | null;
  /**
   * Resident memory.
   */
  rss_bytes: number | null;
  /**
   * GPU memory, where known.
   */
  gpu_memory_bytes?: number | null;
}

/**
 * The answer of `GET jobs/{id}/usage`.
 */
export interface IUsageSeries {
  /**
   * The summary, as the job's `usage`.
   */
  usage: IUsageSummary;
  /**
   * The samples, oldest first.
   */
  samples: IUsageSample[];
}

/**
 * The usage summary of a job (the job JSON's `usage`), if it has one.
 */
export function jobUsage(job: IJob | null | undefined): IUsageSummary | null {
  const usage = job?.usage;
  return usage && typeof usage === 'object' ? usage : null;
}

/**
 * The Vega-Lite specification of a job's memory and CPU over time: two
 * small line charts sharing the time axis; `null` without samples.
 */
export function usageChartSpec(
  samples: ReadonlyArray<IUsageSample>,
  labels: { memory: string; cpu: string; time: string } = {
    memory: 'Memory (MB)',
    cpu: 'CPU (%)',
    time: 'Time'
  }
): JSONObject | null {
  const values = samples
    .filter(s => typeof s.time === 'string')
    .map(s => ({
      time: s.time,
      memory:
        typeof s.rss_bytes === 'number'
          ? Math.round(s.rss_bytes / 1e5) / 10
          : null,
      cpu: typeof s.cpu_percent === 'number' ? s.cpu_percent : null
    }));
  if (values.length === 0) {
    return null;
  }
  const panel = (field: string, title: string): JSONObject => ({
    width: 320,
    height: 80,
    mark: { type: 'line', point: values.length < 30, tooltip: true },
    encoding: {
      x: { field: 'time', type: 'temporal', title: labels.time },
      y: { field, type: 'quantitative', title }
    }
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: 'Memory and CPU of the job over time',
    data: { values },
    vconcat: [panel('memory', labels.memory), panel('cpu', labels.cpu)]
  };
}

/**
 * The cost of a job in its view: the figures kept after the end (peak
 * memory, CPU time, wall time; memory and CPU now while it runs), a chart
 * of the samples drawn by JupyterLab's Vega-Lite renderer, refreshed while
 * the job runs, and advice when the job asked SLURM for too little memory.
 */
export class JobUsageView extends Panel {
  /**
   * Construct a usage section.
   */
  constructor(options: JobUsageView.IOptions) {
    super();
    this.addClass(JOB_USAGE_CLASS);
    this._jobId = options.jobId;
    this._serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this._commands = options.commands ?? null;
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', this._trans.__('Usage'));

    const heading = new Widget({ node: document.createElement('h3') });
    heading.addClass('jp-JobUsage-title');
    heading.node.textContent = this._trans.__('Usage');
    this.addWidget(heading);
    this._advice = new Widget();
    this._advice.addClass(JOB_USAGE_ADVICE_CLASS);
    this._advice.node.setAttribute('role', 'note');
    this._advice.hide();
    this.addWidget(this._advice);
    this._figures = new Widget({ node: document.createElement('dl') });
    this._figures.addClass('jp-JobUsage-figures');
    this.addWidget(this._figures);
    this._chart = new SweepChart({ rendermime: options.rendermime });
    this._chart.addClass('jp-JobUsage-chart');
    this.addWidget(this._chart);

    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: {
        interval: options.interval ?? 5000,
        backoff: true,
        max: 60000
      },
      name: `jupyter-jobs:JobUsageView#${options.jobId}`,
      standby: 'when-hidden'
    });
  }

  /**
   * The samples shown.
   */
  get samples(): ReadonlyArray<IUsageSample> {
    return this._samples;
  }

  /**
   * Follow the job: its figures and advice now, its samples polled while it
   * runs and read once more at its end.
   */
  setJob(job: IJob): void {
    this._job = job;
    this._renderFigures(jobUsage(job));
    const advice = memoryAdvice({
      resources: job.resources,
      status_reason: job.status_reason,
      error: job.error,
      usage: jobUsage(job)
    });
    this._advice.node.textContent = '';
    if (advice) {
      const peak =
        advice.peakBytes === null ? '' : formatSize(advice.peakBytes);
      // What was asked for, in the words it was asked (`--mem=1G`): a
      // conversion to decimal units would not match anything the user wrote.
      const asked = `--mem=${String(job.resources?.memory ?? '').trim()}`;
      this._advice.node.textContent =
        advice.kind === 'killed'
          ? this._trans.__(
              'The job was stopped for using more memory than it asked for (%1). Ask for %2 next time.',
              asked,
              advice.suggested
            )
          : this._trans.__(
              'The job used up to %1, %2 of the memory it asked for (%3). Ask for %4 next time.',
              peak,
              `${Math.round((advice.ratio ?? 0) * 100)}%`,
              asked,
              advice.suggested
            );
      this._advice.node.dataset.suggested = advice.suggested;
      this._addRerunButton(job.id, advice.suggested);
      this._advice.show();
    } else {
      this._advice.hide();
    }
    if (isActive(job.status) && job.status !== 'queued') {
      if (!this._poll.isDisposed && this._poll.state.phase !== 'started') {
        void this._poll.start();
      }
    } else if (isFinal(job.status) && !this._finalRead) {
      this._finalRead = true;
      void this._poll.stop();
      // Unreachable now: the figures from the job's JSON stay shown.
      this.refresh().catch(() => undefined);
    }
  }

  /**
   * Read the samples and draw them.
   */
  async refresh(): Promise<void> {
    const series = await requestAPI<IUsageSeries>(
      `jobs/${encodeURIComponent(this._jobId)}/usage`,
      this._serverSettings
    );
    if (this.isDisposed) {
      return;
    }
    this._samples = series.samples ?? [];
    if (series.usage) {
      this._renderFigures(series.usage);
    }
    const trans = this._trans;
    await this._chart.setSpec(
      usageChartSpec(this._samples, {
        memory: trans.__('Memory (MB)'),
        cpu: trans.__('CPU (%)'),
        time: trans.__('Time')
      }),
      {
        empty: trans.__('No samples yet.'),
        unavailable: trans.__('Charts need the Vega-Lite renderer.')
      }
    );
  }

  /**
   * Dispose the section.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    super.dispose();
  }

  private _renderFigures(usage: IUsageSummary | null): void {
    const trans = this._trans;
    const node = this._figures.node;
    node.textContent = '';
    const figure = (label: string, value: string, key: string) => {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.dataset.field = key;
      dd.textContent = value || '—';
      node.appendChild(dt);
      node.appendChild(dd);
    };
    const size = (bytes: number | null | undefined) =>
      typeof bytes === 'number' ? formatSize(bytes) : '';
    figure(trans.__('Peak memory'), size(usage?.peak_rss_bytes), 'peak-memory');
    figure(
      trans.__('CPU time'),
      typeof usage?.cpu_seconds === 'number'
        ? formatDuration(usage.cpu_seconds * 1000)
        : '',
      'cpu-time'
    );
    figure(
      trans.__('Wall time'),
      typeof usage?.wall_seconds === 'number'
        ? formatDuration(usage.wall_seconds * 1000)
        : '',
      'wall-time'
    );
    if (this._job && isActive(this._job.status)) {
      figure(trans.__('Memory now'), size(usage?.rss_bytes), 'memory');
      figure(
        trans.__('CPU now'),
        typeof usage?.cpu_percent === 'number' ? `${usage.cpu_percent}%` : '',
        'cpu'
      );
    }
    if (typeof usage?.peak_gpu_memory_bytes === 'number') {
      figure(
        trans.__('Peak GPU memory'),
        size(usage.peak_gpu_memory_bytes),
        'peak-gpu-memory'
      );
    }
  }

  private _jobId: string;
  private _serverSettings: ServerConnection.ISettings;
  private _trans: TranslationBundle;
  /**
   * A button that opens the dialog from this job with the memory proposed.
   */
  private _addRerunButton(jobId: string, memory: string): void {
    const commands = this._commands;
    if (!commands?.hasCommand(CommandIDs.rerunWithChanges)) {
      return;
    }
    const button = document.createElement('button');
    button.className = 'jp-Button jp-mod-styled jp-mod-accept';
    button.textContent = this._trans.__('Run again with %1', memory);
    button.onclick = () =>
      void commands.execute(CommandIDs.rerunWithChanges, {
        id: jobId,
        resources: { memory }
      });
    this._advice.node.appendChild(document.createTextNode(' '));
    this._advice.node.appendChild(button);
  }

  private _commands: CommandRegistry | null;
  private _advice: Widget;
  private _figures: Widget;
  private _chart: SweepChart;
  private _poll: Poll;
  private _job: IJob | null = null;
  private _samples: IUsageSample[] = [];
  private _finalRead = false;
}

/**
 * A namespace for `JobUsageView` statics.
 */
export namespace JobUsageView {
  /**
   * The options to create a usage section.
   */
  export interface IOptions {
    /**
     * The job shown.
     */
    jobId: string;
    /**
     * The rendermime registry holding the Vega-Lite renderer.
     */
    rendermime: IRenderMimeRegistry;
    /**
     * The server settings (default: the page's).
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * How often the samples are read while the job runs, in milliseconds.
     */
    interval?: number;
    /**
     * The application translator.
     */
    translator?: ITranslator;
    /**
     * The commands: with them, memory advice offers to run the job again.
     */
    commands?: CommandRegistry | null;
  }
}
