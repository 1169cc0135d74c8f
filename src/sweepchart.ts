import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { JSONExt, JSONObject } from '@lumino/coreutils';
import { Panel, Widget } from '@lumino/widgets';

import { formatCell, isNumber, SweepRow } from './sweeptable';

/**
 * The mime type of the chart: JupyterLab's own Vega-Lite renderer draws it.
 */
export const VEGALITE_MIME_TYPE = 'application/vnd.vegalite.v5+json';

/**
 * The class name of a sweep's chart.
 */
export const SWEEP_CHART_CLASS = 'jp-SweepChart';

/**
 * What a chart shows: a recorded metric against a parameter, one line per
 * value of another parameter.
 */
export interface IChartChoice {
  /**
   * The parameter on the horizontal axis.
   */
  x: string;
  /**
   * The metric on the vertical axis.
   */
  y: string;
  /**
   * The parameter whose values get a line and colour each (optional).
   */
  color?: string | null;
}

/**
 * The Vega-Lite specification of a metric against a parameter, from the
 * rows of a sweep's table; `null` when no row has a number for the metric.
 *
 * #### Notes
 * The data use the fixed fields `x`, `y` and `series` (names with dots would
 * be read as nested fields by Vega-Lite); the axes carry the real names.
 * Numbers spread over two decades or more get a log scale.
 */
export function chartSpec(
  rows: ReadonlyArray<SweepRow>,
  choice: IChartChoice
): JSONObject | null {
  const { x, y } = choice;
  const color = choice.color && choice.color !== x ? choice.color : null;
  const values = rows
    .filter(row => isNumber(row[y]) && row[x] !== undefined)
    .map(row => {
      const point: JSONObject = {
        x: isNumber(row[x]) ? row[x] : formatCell(row[x]),
        y: row[y],
        run: row.index ?? null
      };
      if (color) {
        point.series = formatCell(row[color]);
      }
      return point;
    });
  if (values.length === 0) {
    return null;
  }
  const numericX = values.every(v => typeof v.x === 'number');
  const xs = values.map(v => v.x as number);
  const logX =
    numericX &&
    xs.every(v => v > 0) &&
    Math.max(...xs) / Math.min(...xs) >= 100;
  const xEncoding: JSONObject = {
    field: 'x',
    type: numericX ? 'quantitative' : 'ordinal',
    title: x
  };
  if (logX) {
    xEncoding.scale = { type: 'log' };
  }
  const encoding: JSONObject = {
    x: xEncoding,
    y: {
      field: 'y',
      type: 'quantitative',
      title: y,
      scale: { zero: false }
    },
    tooltip: [
      { field: 'run', type: 'ordinal', title: '#' },
      { field: 'x', title: x },
      ...(color ? [{ field: 'series', title: color }] : []),
      { field: 'y', type: 'quantitative', title: y }
    ]
  };
  if (color) {
    encoding.color = { field: 'series', type: 'nominal', title: color };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `${y} against ${x}`,
    width: 360,
    height: 220,
    data: { values },
    mark: numericX
      ? { type: 'line', point: { size: 60 }, tooltip: true }
      : { type: 'point', size: 60, filled: true, tooltip: true },
    encoding
  };
}

/**
 * A chart of a sweep rendered by rendermime with the Vega-Lite mime type
 * (the renderer of `@jupyterlab/vega5-extension`), or a message saying why
 * there is none.
 */
export class SweepChart extends Panel {
  /**
   * Construct a chart.
   */
  constructor(options: SweepChart.IOptions) {
    super();
    this.addClass(SWEEP_CHART_CLASS);
    this._rendermime = options.rendermime;
    this._message = new Widget();
    this._message.addClass('jp-SweepChart-message');
    this.addWidget(this._message);
  }

  /**
   * Whether JupyterLab can render Vega-Lite here.
   */
  get canRender(): boolean {
    return (
      this._rendermime.preferredMimeType(
        { [VEGALITE_MIME_TYPE]: {} },
        'any'
      ) === VEGALITE_MIME_TYPE
    );
  }

  /**
   * Show a specification (from `chartSpec`), or a message when it is `null`
   * (`empty`) or Vega-Lite cannot be rendered (`unavailable`). The same
   * specification is not drawn twice.
   */
  async setSpec(
    spec: JSONObject | null,
    messages: { empty: string; unavailable: string }
  ): Promise<void> {
    if (spec === null || !this.canRender) {
      this._spec = null;
      this._renderer?.dispose();
      this._renderer = null;
      this._message.node.textContent =
        spec === null ? messages.empty : messages.unavailable;
      this._message.show();
      return;
    }
    this._message.hide();
    if (this._spec && JSONExt.deepEqual(this._spec, spec)) {
      return;
    }
    this._spec = spec;
    if (!this._renderer) {
      this._renderer = this._rendermime.createRenderer(VEGALITE_MIME_TYPE);
      this.addWidget(this._renderer);
    }
    const model = new MimeModel({
      data: { [VEGALITE_MIME_TYPE]: spec },
      metadata: {
        [VEGALITE_MIME_TYPE]: {
          embed_options: { actions: false, renderer: 'svg' }
        }
      },
      // Our own specification of the runs' values: nothing from a run is
      // executed, and the renderer is a safe one.
      trusted: false
    });
    await this._renderer.renderModel(model);
  }

  private _rendermime: IRenderMimeRegistry;
  private _message: Widget;
  private _renderer: ReturnType<IRenderMimeRegistry['createRenderer']> | null =
    null;
  private _spec: JSONObject | null = null;
}

/**
 * A namespace for `SweepChart` statics.
 */
export namespace SweepChart {
  /**
   * The options to create a chart.
   */
  export interface IOptions {
    /**
     * The rendermime registry that holds the Vega-Lite renderer.
     */
    rendermime: IRenderMimeRegistry;
  }
}
