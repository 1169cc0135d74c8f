import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { VDomModel, VDomRenderer } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import { Panel } from '@lumino/widgets';
import * as React from 'react';

import { CommandIDs } from './commands';
import { statusIcon, statusLabel } from './icons';
import { formatParameter } from './jobview';
import { formatDuration } from './model';
import { chartSpec, SweepChart } from './sweepchart';
import {
  BestMode,
  bestRuns,
  formatCell,
  guessBestMode,
  SortDirection,
  sortRows,
  sweepColumns
} from './sweeptable';
import { ISweep, ISweepsManager, JobStatus } from './tokens';

/**
 * The class name of a sweep's view.
 */
export const SWEEP_VIEW_CLASS = 'jp-SweepView';

/**
 * The class name of a sweep's table; rows get `jp-mod-<status>`, and
 * `jp-mod-best` for the best run of the chosen metric.
 */
export const SWEEP_TABLE_CLASS = 'jp-SweepTable';

/**
 * The view state of a sweep's view: the table's order, the metric whose best
 * run is marked, and what the chart shows. It belongs to the view.
 */
export class SweepViewModel extends VDomModel {
  /**
   * The column the table is sorted by (`index`: grid order).
   */
  get sortColumn(): string {
    return this._sortColumn;
  }

  /**
   * The direction of the sort.
   */
  get sortDirection(): SortDirection {
    return this._sortDirection;
  }

  /**
   * Sort by a column; a second click on the same column reverses it.
   */
  sortBy(column: string): void {
    if (column === this._sortColumn) {
      this._sortDirection =
        this._sortDirection === 'ascending' ? 'descending' : 'ascending';
    } else {
      this._sortColumn = column;
      this._sortDirection = 'ascending';
    }
    this.stateChanged.emit();
  }

  /**
   * The metric whose best run is marked (and drawn), if any.
   */
  get metric(): string | null {
    return this._metric;
  }
  set metric(value: string | null) {
    if (value === this._metric) {
      return;
    }
    this._metric = value;
    if (value) {
      this._mode = guessBestMode(value);
    }
    this.stateChanged.emit();
  }

  /**
   * Whether bigger or smaller values of the metric are better.
   */
  get mode(): BestMode {
    return this._mode;
  }
  set mode(value: BestMode) {
    if (value === this._mode) {
      return;
    }
    this._mode = value;
    this.stateChanged.emit();
  }

  /**
   * The parameter on the chart's horizontal axis.
   */
  get chartX(): string | null {
    return this._chartX;
  }
  set chartX(value: string | null) {
    if (value === this._chartX) {
      return;
    }
    this._chartX = value;
    if (value && value === this._chartColor) {
      this._chartColor = null;
    }
    this.stateChanged.emit();
  }

  /**
   * The parameter with one line per value in the chart, if any.
   */
  get chartColor(): string | null {
    return this._chartColor;
  }
  set chartColor(value: string | null) {
    if (value === this._chartColor) {
      return;
    }
    this._chartColor = value;
    this.stateChanged.emit();
  }

  /**
   * Choose defaults for what is not chosen yet, from a sweep's columns.
   */
  complete(sweep: ISweep): void {
    const { parameters, numericMetrics } = sweepColumns(sweep);
    let changed = false;
    if (
      (this._metric === null || numericMetrics.indexOf(this._metric) === -1) &&
      numericMetrics.length > 0
    ) {
      this._metric = numericMetrics[0];
      this._mode = guessBestMode(this._metric);
      changed = true;
    }
    if (this._chartX === null && parameters.length > 0) {
      this._chartX = parameters[0];
      this._chartColor = parameters.length > 1 ? parameters[1] : null;
      changed = true;
    }
    if (changed) {
      this.stateChanged.emit();
    }
  }

  private _sortColumn = 'index';
  private _sortDirection: SortDirection = 'ascending';
  private _metric: string | null = null;
  private _mode: BestMode = 'max';
  private _chartX: string | null = null;
  private _chartColor: string | null = null;
}

/**
 * The view of a sweep in the main area: its summary and table (React), and
 * a chart of a metric against a parameter (rendermime's Vega-Lite
 * renderer). Kept live by the sweeps manager.
 */
export class SweepView extends Panel {
  /**
   * Construct a sweep view.
   */
  constructor(options: SweepView.IOptions) {
    super();
    this.addClass(SWEEP_VIEW_CLASS);
    this._sweeps = options.sweeps;
    this._sweepId = options.sweepId;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this.id = `jupyter-jobs-sweep-${options.sweepId}`;
    this.title.closable = true;
    this._model = new SweepViewModel();
    this._body = new SweepBody({
      model: this._model,
      sweeps: this._sweeps,
      sweepId: this._sweepId,
      commands: options.commands ?? null,
      trans: this._trans
    });
    this.addWidget(this._body);
    this._chart = new SweepChart({ rendermime: options.rendermime });
    this.addWidget(this._chart);
    this._sweeps.changed.connect(this._onChanged, this);
    this._model.stateChanged.connect(this._updateChart, this);
    this._onChanged();
    this.ready = this._sweeps.fetch(this._sweepId).then(
      () => undefined,
      reason => {
        this._body.error = (reason as Error).message ?? String(reason);
        this._onChanged();
      }
    );
  }

  /**
   * The sweep id.
   */
  get sweepId(): string {
    return this._sweepId;
  }

  /**
   * The view state (sort, best metric, chart).
   */
  get model(): SweepViewModel {
    return this._model;
  }

  /**
   * Settles when the sweep was first fetched.
   */
  readonly ready: Promise<void>;

  /**
   * A signal emitted when the sweep was removed from the server.
   */
  get removed(): ISignal<SweepView, void> {
    return this._removed;
  }

  /**
   * Dispose the view.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._sweeps.changed.disconnect(this._onChanged, this);
    this._model.dispose();
    super.dispose();
    Signal.clearData(this);
  }

  private _onChanged(): void {
    const sweep = this._sweeps.get(this._sweepId);
    if (!sweep) {
      if (this._seen && this._sweeps.isReady) {
        this._removed.emit();
      }
      this._body.update();
      return;
    }
    if (sweep === this._rendered) {
      return;
    }
    this._seen = true;
    this._rendered = sweep;
    this.title.label = sweep.name;
    this.title.caption = this._trans.__(
      'Sweep %1 (%2)',
      sweep.name,
      sweep.path
    );
    this.title.icon = statusIcon(sweep.status);
    this._model.complete(sweep);
    this._body.update();
    this._updateChart();
  }

  private _updateChart(): void {
    const sweep = this._sweeps.get(this._sweepId);
    const model = this._model;
    const trans = this._trans;
    const rows = sweep?.table?.rows ?? [];
    const spec =
      model.metric && model.chartX
        ? chartSpec(rows, {
            x: model.chartX,
            y: model.metric,
            color: model.chartColor
          })
        : null;
    void this._chart.setSpec(spec, {
      empty:
        rows.length === 0
          ? trans.__('The chart appears when runs have recorded a number.')
          : trans.__(
              'No run has recorded a number yet: a run keeps one with jupyter_jobs.record(name, value).'
            ),
      unavailable: trans.__(
        'JupyterLab’s Vega-Lite renderer is not available: no chart.'
      )
    });
  }

  private _sweeps: ISweepsManager;
  private _sweepId: string;
  private _trans: TranslationBundle;
  private _model: SweepViewModel;
  private _body: SweepBody;
  private _chart: SweepChart;
  private _seen = false;
  private _rendered: ISweep | null = null;
  private _removed = new Signal<SweepView, void>(this);
}

/**
 * A namespace for `SweepView` statics.
 */
export namespace SweepView {
  /**
   * The options to create a sweep view.
   */
  export interface IOptions {
    /**
     * The sweeps manager.
     */
    sweeps: ISweepsManager;
    /**
     * The sweep shown.
     */
    sweepId: string;
    /**
     * The rendermime registry (the chart is rendered through it).
     */
    rendermime: IRenderMimeRegistry;
    /**
     * The commands (a run's number opens its job view).
     */
    commands?: CommandRegistry | null;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}

/**
 * The summary, table and chart choices of a sweep, rendered with React.
 */
class SweepBody extends VDomRenderer<SweepViewModel> {
  constructor(options: {
    model: SweepViewModel;
    sweeps: ISweepsManager;
    sweepId: string;
    commands: CommandRegistry | null;
    trans: TranslationBundle;
  }) {
    super(options.model);
    this.addClass('jp-SweepView-body');
    this._sweeps = options.sweeps;
    this._sweepId = options.sweepId;
    this._commands = options.commands;
    this._trans = options.trans;
  }

  /**
   * Why the sweep could not be loaded, if it could not.
   */
  error: string | null = null;

  protected render(): React.ReactElement {
    const sweep = this._sweeps.get(this._sweepId);
    const trans = this._trans;
    if (!sweep) {
      return (
        <p className="jp-SweepView-message">
          {this.error
            ? trans.__('Could not load the sweep: %1', this.error)
            : this._sweeps.isReady
              ? trans.__('This sweep does not exist (any more).')
              : trans.__('Loading…')}
        </p>
      );
    }
    return (
      <>
        {this._renderHeader(sweep)}
        {this._renderTable(sweep)}
        {this._renderChartChoices(sweep)}
      </>
    );
  }

  private _renderHeader(sweep: ISweep): React.ReactElement {
    const trans = this._trans;
    const { done, failed, total } = sweep.progress ?? {
      done: 0,
      failed: 0,
      total: 0
    };
    const sizes = Object.values(sweep.grid ?? {}).map(v => v.length);
    const fixed = Object.keys(sweep.parameters ?? {}).filter(
      name => !(name in (sweep.grid ?? {}))
    );
    const Icon = statusIcon(sweep.status as JobStatus).react;
    return (
      <div className={`jp-SweepView-header jp-mod-${sweep.status}`}>
        <div className="jp-SweepView-title">
          <span className="jp-JobsStatus-icon">
            <Icon tag="span" />
          </span>
          <span className="jp-JobsStatus-label">
            {statusLabel(sweep.status as JobStatus, trans)}
          </span>
          <h2 className="jp-SweepView-name">{sweep.name}</h2>
        </div>
        <dl className="jp-SweepView-details">
          <dt>{trans.__('File')}</dt>
          <dd data-field="path">{sweep.path}</dd>
          <dt>{trans.__('Grid')}</dt>
          <dd data-field="grid">
            {Object.entries(sweep.grid ?? {}).map(([name, values]) => (
              <code key={name} className="jp-SweepView-gridEntry">
                {`${name} ∈ {${values.map(formatParameter).join(', ')}}`}
              </code>
            ))}
            <span className="jp-SweepView-runCount">
              {sizes.length > 1
                ? `${sizes.join(' × ')} = ${trans._n('%1 run', '%1 runs', total)}`
                : trans._n('%1 run', '%1 runs', total)}
            </span>
          </dd>
          {fixed.length > 0 && (
            <>
              <dt>{trans.__('Fixed')}</dt>
              <dd data-field="parameters">
                {fixed.map(name => (
                  <code key={name} className="jp-SweepView-gridEntry">
                    {`${name} = ${formatParameter(sweep.parameters[name])}`}
                  </code>
                ))}
              </dd>
            </>
          )}
          <dt>{trans.__('Backend')}</dt>
          <dd data-field="backend">
            {sweep.max_concurrent
              ? trans.__(
                  '%1, at most %2 runs at once',
                  sweep.backend,
                  sweep.max_concurrent
                )
              : sweep.backend}
          </dd>
          <dt>{trans.__('Progress')}</dt>
          <dd data-field="progress">
            <span className="jp-SweepView-progress">
              {trans.__('%1 of %2 runs done', done, total)}
            </span>
            {failed > 0 && (
              <span className="jp-SweepView-failed">
                {trans._n('%1 failed', '%1 failed', failed)}
              </span>
            )}
          </dd>
        </dl>
      </div>
    );
  }

  private _renderTable(sweep: ISweep): React.ReactElement {
    const trans = this._trans;
    const model = this.model;
    const { parameters, metrics, numericMetrics } = sweepColumns(sweep);
    const rows = sweep.table?.rows ?? [];
    const sorted = sortRows(rows, model.sortColumn, model.sortDirection);
    const best = new Set(
      model.metric ? bestRuns(rows, model.metric, model.mode) : []
    );
    const columns: { key: string; label: string; kind: string }[] = [
      { key: 'index', label: '#', kind: 'index' },
      ...parameters.map(p => ({ key: p, label: p, kind: 'parameter' })),
      { key: 'status', label: trans.__('Status'), kind: 'status' },
      {
        key: 'duration_seconds',
        label: trans.__('Duration'),
        kind: 'duration'
      },
      ...metrics.map(m => ({ key: m, label: m, kind: 'metric' }))
    ];
    return (
      <div className="jp-SweepView-tableSection">
        <div className="jp-SweepView-controls">
          <label>
            {trans.__('Best run by')}{' '}
            <select
              className="jp-mod-styled jp-SweepView-metric"
              value={model.metric ?? ''}
              disabled={numericMetrics.length === 0}
              onChange={event => {
                model.metric = event.target.value || null;
              }}
            >
              {numericMetrics.length === 0 && (
                <option value="">{trans.__('(no number recorded yet)')}</option>
              )}
              {numericMetrics.map(m => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <select
            className="jp-mod-styled jp-SweepView-mode"
            aria-label={trans.__('Which values are better')}
            value={model.mode}
            disabled={numericMetrics.length === 0}
            onChange={event => {
              model.mode = event.target.value as BestMode;
            }}
          >
            <option value="max">{trans.__('bigger is better')}</option>
            <option value="min">{trans.__('smaller is better')}</option>
          </select>
        </div>
        <table
          className={SWEEP_TABLE_CLASS}
          aria-label={trans.__('Runs of the sweep')}
        >
          <thead>
            <tr>
              {columns.map(column => {
                const sorted = model.sortColumn === column.key;
                return (
                  <th
                    key={column.key}
                    scope="col"
                    data-column={column.key}
                    className={`jp-SweepTable-${column.kind}${
                      column.key === model.metric ? ' jp-mod-metric' : ''
                    }`}
                    aria-sort={sorted ? model.sortDirection : 'none'}
                  >
                    <button
                      type="button"
                      className="jp-SweepTable-sort"
                      title={trans.__('Sort by %1', column.label)}
                      onClick={() => model.sortBy(column.key)}
                    >
                      {column.label}
                      <span className="jp-SweepTable-arrow" aria-hidden="true">
                        {sorted
                          ? model.sortDirection === 'ascending'
                            ? ' ▲'
                            : ' ▼'
                          : ''}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {sorted.map(row => {
              const isBest = best.has(row.index);
              return (
                <tr
                  key={String(row.index)}
                  data-index={row.index}
                  data-job-id={row.job_id}
                  className={`jp-SweepTable-row jp-mod-${row.status}${
                    isBest ? ' jp-mod-best' : ''
                  }`}
                  title={
                    isBest
                      ? trans.__('The best %1', model.metric ?? '')
                      : undefined
                  }
                >
                  {columns.map(column =>
                    this._renderCell(row, column.key, column.kind)
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 && (
          <p className="jp-SweepView-message">{trans.__('No runs yet.')}</p>
        )}
      </div>
    );
  }

  private _renderCell(
    row: { [column: string]: any },
    key: string,
    kind: string
  ): React.ReactElement {
    const trans = this._trans;
    const value = row[key];
    if (kind === 'index') {
      return (
        <td key={key} className="jp-SweepTable-index">
          <button
            type="button"
            className="jp-SweepTable-open"
            title={trans.__('Open run %1', value)}
            disabled={!this._commands || !row.job_id}
            onClick={() => {
              void this._commands?.execute(CommandIDs.open, {
                id: row.job_id
              });
            }}
          >
            {String(value)}
          </button>
        </td>
      );
    }
    if (kind === 'status') {
      return (
        <td key={key} className="jp-SweepTable-status" data-column={key}>
          {value ? statusLabel(value as JobStatus, trans) : ''}
        </td>
      );
    }
    if (kind === 'duration') {
      return (
        <td key={key} className="jp-SweepTable-duration" data-column={key}>
          {typeof value === 'number' ? formatDuration(value * 1000) : ''}
        </td>
      );
    }
    return (
      <td
        key={key}
        className={`jp-SweepTable-${kind}`}
        data-column={key}
        title={
          typeof value === 'number' && value !== null
            ? String(value)
            : undefined
        }
      >
        {formatCell(value)}
      </td>
    );
  }

  private _renderChartChoices(sweep: ISweep): React.ReactElement | null {
    const trans = this._trans;
    const model = this.model;
    const { parameters, numericMetrics } = sweepColumns(sweep);
    if (parameters.length === 0) {
      return null;
    }
    return (
      <div className="jp-SweepView-controls jp-SweepView-chartControls">
        <span className="jp-SweepView-chartTitle">{trans.__('Chart')}</span>
        <label>
          {trans.__('metric')}{' '}
          <select
            className="jp-mod-styled jp-SweepView-chartMetric"
            value={model.metric ?? ''}
            disabled={numericMetrics.length === 0}
            onChange={event => {
              model.metric = event.target.value || null;
            }}
          >
            {numericMetrics.length === 0 && <option value="">—</option>}
            {numericMetrics.map(m => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          {trans.__('against')}{' '}
          <select
            className="jp-mod-styled jp-SweepView-chartX"
            value={model.chartX ?? ''}
            onChange={event => {
              model.chartX = event.target.value || null;
            }}
          >
            {parameters.map(p => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        {parameters.length > 1 && (
          <label>
            {trans.__('one line per')}{' '}
            <select
              className="jp-mod-styled jp-SweepView-chartColor"
              value={model.chartColor ?? ''}
              onChange={event => {
                model.chartColor = event.target.value || null;
              }}
            >
              <option value="">{trans.__('(none)')}</option>
              {parameters
                .filter(p => p !== model.chartX)
                .map(p => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
            </select>
          </label>
        )}
      </div>
    );
  }

  private _sweeps: ISweepsManager;
  private _sweepId: string;
  private _commands: CommandRegistry | null;
  private _trans: TranslationBundle;
}
