import {
  Cell,
  CodeCell,
  CodeCellModel,
  MarkdownCell,
  MarkdownCellModel,
  RawCell,
  RawCellModel
} from '@jupyterlab/cells';
import { CodeEditor } from '@jupyterlab/codeeditor';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator } from '@jupyterlab/translation';
import { Panel } from '@lumino/widgets';

import { ILogEventSink, JobOutputModel, LogEventApplier } from './output';
import { ILogEvent } from './tokens';

/**
 * The class name of a job's live notebook view.
 */
export const JOB_NOTEBOOK_CLASS = 'jp-JobNotebook';

/**
 * The class name of each cell of the live notebook view.
 */
export const JOB_NOTEBOOK_CELL_CLASS = 'jp-JobNotebook-cell';

/**
 * The class of the cell that runs now.
 */
export const CELL_RUNNING_CLASS = 'jp-mod-running';

/**
 * The class of a cell that raised an error.
 */
export const CELL_FAILED_CLASS = 'jp-mod-failed';

/**
 * A cell of a job's notebook, as `GET jobs/{id}/cells` answers it.
 */
export interface IJobCell {
  /**
   * The cell type.
   */
  cell_type: 'code' | 'markdown' | 'raw';
  /**
   * The source.
   */
  source: string;
  /**
   * The execution count, once the output notebook has one.
   */
  execution_count: number | null;
  /**
   * The cell's tags (`parameters`, `injected-parameters`, ...).
   */
  tags: string[];
}

/**
 * The answer of `GET jobs/{id}/cells`.
 */
export interface IJobCells {
  /**
   * The cells, numbered as the log events' `cell_index`.
   */
  cells: IJobCell[];
  /**
   * Whether they are those of the output notebook (else of the input: the
   * run has not written its output yet, so a parameters cell may be missing).
   */
  executed: boolean;
}

/**
 * What the log tells of the cells: the one running now, those that failed.
 */
export interface ICellMarks {
  /**
   * The index of the running cell, if any.
   */
  running: number | null;
  /**
   * The indices of the cells that raised an error.
   */
  failed: ReadonlySet<number>;
}

/**
 * The marks after some events (pure, in order): a cell runs from its
 * `cell_start` to its `cell_end` (or to a final status); an `error` output
 * marks its cell failed.
 */
export function nextCellMarks(
  marks: ICellMarks,
  events: ReadonlyArray<ILogEvent>
): ICellMarks {
  let running = marks.running;
  let failed = marks.failed;
  for (const event of events) {
    const index = event.cell_index;
    if (event.type === 'cell_start' && typeof index === 'number') {
      running = index;
    } else if (event.type === 'cell_end' && index === running) {
      running = null;
    } else if (event.type === 'status' && event.status !== 'running') {
      running = null;
    } else if (
      event.type === 'output' &&
      typeof index === 'number' &&
      event.output?.output_type === 'error' &&
      !failed.has(index)
    ) {
      failed = new Set(failed).add(index);
    }
  }
  return { running, failed };
}

/**
 * A job's notebook, live: its cells rendered by JupyterLab's cell widgets
 * (sources read-only and collapsible with the cell's input collapser), each
 * output under its own cell as the log brings it, untrusted and bounded per
 * cell, the running cell marked `[*]` and failed cells marked.
 */
export class JobNotebookView extends Panel implements ILogEventSink {
  /**
   * Construct a live notebook view; `load` lays out the cells.
   */
  constructor(options: JobNotebookView.IOptions) {
    super();
    this.addClass(JOB_NOTEBOOK_CLASS);
    this._options = options;
    this._maxLines = options.maxLines ?? 10000;
    this._contentFactory = new Cell.ContentFactory({
      editorFactory: options.editorFactory
    });
  }

  /**
   * The cell widgets, numbered as the log events' `cell_index`.
   */
  get cells(): ReadonlyArray<Cell> {
    return this._cells;
  }

  /**
   * The marks of the cells.
   */
  get marks(): ICellMarks {
    return this._marks;
  }

  /**
   * How many outputs were dropped from the start of long cells so far.
   */
  get dropped(): number {
    let dropped = 0;
    for (const model of this._outputs.values()) {
      dropped += model.dropped;
    }
    return dropped;
  }

  /**
   * The maximum number of output lines kept per cell.
   */
  get maxLines(): number {
    return this._maxLines;
  }
  set maxLines(value: number) {
    this._maxLines = value;
    for (const model of this._outputs.values()) {
      model.maxLines = value;
    }
  }

  /**
   * Lay out the cells (again, when those loaded were the input's: the run
   * may have injected a parameters cell since), then apply what arrived
   * meanwhile.
   */
  async load(): Promise<void> {
    if (this._loading) {
      return this._loading;
    }
    this._loading = (async () => {
      const answer = await this._options.loadCells();
      if (this.isDisposed) {
        return;
      }
      const rebuilt = this._layOut(answer);
      // Cells laid out anew (the injected parameters cell moved them): what
      // was shown under the input's cells is shown again under the right ones.
      const events = rebuilt
        ? [...this._sinceInput, ...this._pending]
        : this._pending;
      this._pending = [];
      this._sinceInput = [];
      this._reloading = false;
      this._route(events);
    })().finally(() => {
      this._loading = null;
    });
    return this._loading;
  }

  /**
   * Set the execution counts the output notebook holds (once the job ended).
   */
  async refreshCounts(): Promise<void> {
    const answer = await this._options.loadCells();
    if (this.isDisposed || !answer.executed) {
      return;
    }
    answer.cells.forEach((cell, index) => {
      const widget = this._cells[index];
      if (widget instanceof CodeCell && cell.cell_type === 'code') {
        widget.model.executionCount = cell.execution_count;
      }
    });
  }

  /**
   * Apply log events in order: the outputs go to their cells.
   */
  apply(events: ReadonlyArray<ILogEvent>): void {
    if (events.length === 0) {
      return;
    }
    if (this._loading || !this._laidOut) {
      this._pending.push(...events);
      void this.load();
      return;
    }
    this._route(events);
  }

  private _route(events: ReadonlyArray<ILogEvent>): void {
    if (!this._executed && events.some(e => typeof e.cell_index === 'number')) {
      // Numbered against the output notebook, which the run has written by now.
      this._sinceInput.push(...events);
      if (!this._reloading) {
        this._reloading = true;
        void this.load();
      }
    }
    let batch: ILogEvent[] = [];
    let batchCell = -1;
    const flush = () => {
      if (batch.length > 0) {
        this._applierOf(batchCell)?.apply(batch);
        batch = [];
      }
    };
    for (const event of events) {
      const index = event.cell_index;
      if (
        typeof index === 'number' &&
        (event.type === 'output' ||
          event.type === 'clear_output' ||
          event.type === 'update_display')
      ) {
        if (index !== batchCell) {
          flush();
          batchCell = index;
        }
        batch.push(event);
      }
    }
    flush();
    this._mark(nextCellMarks(this._marks, events));
  }

  /**
   * Dispose the view and its models.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    const models = [...this._outputs.values()];
    super.dispose();
    models.forEach(model => model.dispose());
  }

  private _applierOf(index: number): LogEventApplier | null {
    const model = this._outputs.get(index);
    if (!model) {
      return null;
    }
    let applier = this._appliers.get(index);
    if (!applier) {
      applier = new LogEventApplier(model);
      this._appliers.set(index, applier);
    }
    return applier;
  }

  /**
   * Build the cell widgets; the outputs already shown stay when the cells
   * are the same.
   */
  private _layOut(answer: IJobCells): boolean {
    this._executed = answer.executed;
    this._laidOut = true;
    const same =
      this._cells.length === answer.cells.length &&
      this._cells.every(
        (cell, i) =>
          cell.model.type === answer.cells[i].cell_type &&
          cell.model.sharedModel.getSource() === answer.cells[i].source
      );
    if (same) {
      return false;
    }
    for (const cell of this._cells) {
      cell.dispose();
    }
    for (const model of this._outputs.values()) {
      model.dispose();
    }
    this._cells = [];
    this._outputs.clear();
    this._appliers.clear();
    answer.cells.forEach((cell, index) => {
      const widget = this._createCell(cell, index);
      widget.addClass(JOB_NOTEBOOK_CELL_CLASS);
      widget.node.dataset.cellIndex = String(index);
      this._cells.push(widget);
      this.addWidget(widget);
    });
    this._marks = { running: null, failed: new Set() };
    return true;
  }

  private _createCell(cell: IJobCell, index: number): Cell {
    const widget =
      cell.cell_type === 'code'
        ? this._createCodeCell(cell, index)
        : cell.cell_type === 'markdown'
          ? this._createMarkdownCell(cell)
          : this._createRawCell(cell);
    widget.readOnly = true;
    widget.disposed.connect(() => widget.model.dispose());
    if (cell.tags.includes('injected-parameters')) {
      widget.addClass('jp-JobNotebook-injected');
    }
    return widget;
  }

  private _createCodeCell(cell: IJobCell, index: number): CodeCell {
    const outputs = new JobOutputModel({
      maxLines: this._maxLines,
      trusted: false
    });
    this._outputs.set(index, outputs);
    const model = new CodeCellModel({
      contentFactory: { createOutputArea: () => outputs }
    });
    model.sharedModel.setSource(cell.source);
    model.executionCount = cell.execution_count;
    return new CodeCell({
      model,
      rendermime: this._options.rendermime,
      contentFactory: this._contentFactory,
      translator: this._options.translator,
      placeholder: false
    }).initializeState();
  }

  private _createMarkdownCell(cell: IJobCell): MarkdownCell {
    const model = new MarkdownCellModel();
    model.sharedModel.setSource(cell.source);
    // Rendered at once: a read-only markdown cell never shows its editor.
    return new MarkdownCell({
      model,
      rendermime: this._options.rendermime,
      contentFactory: this._contentFactory,
      translator: this._options.translator,
      placeholder: false,
      showEditorForReadOnlyMarkdown: false
    }).initializeState();
  }

  private _createRawCell(cell: IJobCell): RawCell {
    const model = new RawCellModel();
    model.sharedModel.setSource(cell.source);
    return new RawCell({
      model,
      contentFactory: this._contentFactory,
      translator: this._options.translator,
      placeholder: false
    }).initializeState();
  }

  /**
   * Show new marks: `[*]` and a class on the running cell, a class on the
   * failed ones.
   */
  private _mark(marks: ICellMarks): void {
    const before = this._marks;
    this._marks = marks;
    const previous =
      before.running === null ? null : this._cells[before.running];
    if (previous && before.running !== marks.running) {
      previous.removeClass(CELL_RUNNING_CLASS);
      if (previous instanceof CodeCell) {
        previous.setPrompt(
          String(previous.model.executionCount ?? '').trim() || ' '
        );
      }
    }
    const running = marks.running === null ? null : this._cells[marks.running];
    if (running) {
      running.addClass(CELL_RUNNING_CLASS);
      if (running instanceof CodeCell) {
        running.setPrompt('*');
      }
    }
    for (const index of marks.failed) {
      this._cells[index]?.addClass(CELL_FAILED_CLASS);
    }
  }

  private _options: JobNotebookView.IOptions;
  private _contentFactory: Cell.ContentFactory;
  private _maxLines: number;
  private _cells: Cell[] = [];
  private _outputs = new Map<number, JobOutputModel>();
  private _appliers = new Map<number, LogEventApplier>();
  private _marks: ICellMarks = { running: null, failed: new Set() };
  private _executed = false;
  private _laidOut = false;
  private _reloading = false;
  private _sinceInput: ILogEvent[] = [];
  private _loading: Promise<void> | null = null;
  private _pending: ILogEvent[] = [];
}

/**
 * A namespace for `JobNotebookView` statics.
 */
export namespace JobNotebookView {
  /**
   * The options to create a live notebook view.
   */
  export interface IOptions {
    /**
     * Loads the job's cells (`GET jobs/{id}/cells`).
     */
    loadCells: () => Promise<IJobCells>;
    /**
     * The rendermime registry for outputs and markdown.
     */
    rendermime: IRenderMimeRegistry;
    /**
     * The editor factory showing the sources (read-only).
     */
    editorFactory: CodeEditor.Factory;
    /**
     * The maximum number of output lines kept per cell.
     */
    maxLines?: number;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}
