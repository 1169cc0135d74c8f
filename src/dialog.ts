import { Dialog } from '@jupyterlab/apputils';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import {
  expandRange,
  formatRunCount,
  GridValuesResult,
  parseValueList,
  RangeDivision,
  ValueMode
} from './grid';
import {
  convertValue,
  formatValue,
  guessValue,
  IParameter,
  isIdentifier,
  ParameterType
} from './parameters';
import { ResourcesForm } from './resourcesform';
import { RetryFields } from './retryfields';
import { ScheduleFields } from './schedulefields';
import {
  IBackend,
  IBackendList,
  IBackendResource,
  IJob,
  IJobRequest,
  ISchedule,
  ISchedulePreview,
  IScheduleRequest,
  ISweepRequest
} from './tokens';

/**
 * What the submit form asks for: a job, a sweep (a job with a `grid`) or a
 * schedule (with a `cron`).
 */
export type SubmitRequest = IJobRequest | ISweepRequest | IScheduleRequest;

/**
 * The class name of the submit form.
 */
export const SUBMIT_FORM_CLASS = 'jp-JobsSubmitForm';

/**
 * The class JupyterLab's dialog looks for to refuse an invalid form.
 */
const ERROR_CLASS = 'jp-mod-error';

/**
 * A kernel that can be chosen.
 */
export interface IKernelChoice {
  /**
   * The kernel spec name.
   */
  name: string;
  /**
   * Its display name.
   */
  displayName: string;
}

/**
 * The form of the "Run as Background Job" dialog: job name, parameters,
 * backend and its resources, kernel, when to run (now or on a schedule),
 * retries and the jobs to wait for. Invalid values are marked and keep the
 * dialog's Run button disabled.
 */
export class SubmitJobForm
  extends Widget
  implements Dialog.IBodyWidget<SubmitRequest>
{
  /**
   * Construct the form.
   */
  constructor(options: SubmitJobForm.IOptions) {
    super();
    this.addClass(SUBMIT_FORM_CLASS);
    this._options = options;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this._build();
    // JupyterLab's dialog checks for invalid fields when an input event
    // reaches the document (capture phase), before the fields see it: check
    // the fields, then let the dialog look again with an event of our own.
    this.node.addEventListener('input', event => {
      if (event.target !== this.node) {
        this._revalidate();
      }
    });
  }

  /**
   * Whether every field holds a valid value.
   */
  get isValid(): boolean {
    this._validateAll();
    return this.node.querySelector(`.${ERROR_CLASS}`) === null;
  }

  /**
   * The number of runs the values make (1: an ordinary job); `null` while a
   * value is invalid.
   */
  get runCount(): number | null {
    const grid = this._gridValues();
    return grid === null
      ? null
      : Object.values(grid).reduce((n, values) => n * values.length, 1);
  }

  /**
   * Whether the form describes a schedule rather than a run now.
   */
  get scheduled(): boolean {
    return this._schedule?.scheduled ?? false;
  }

  /**
   * The request the form describes: a job, a sweep (with its `grid`) when a
   * parameter has several values, or a schedule (with its `cron`).
   *
   * @throws Error if a field is invalid (the dialog does not let that happen).
   */
  getValue(): SubmitRequest {
    if (!this.isValid) {
      throw new Error(this._trans.__('Some values are invalid.'));
    }
    const request = this._jobValue();
    if (this._schedule && this._schedule.scheduled) {
      const schedule: IScheduleRequest = {
        ...request,
        cron: this._schedule.cron,
        catch_up: this._schedule.catchUp
      };
      if (this._schedule.timezone) {
        schedule.timezone = this._schedule.timezone;
      }
      return schedule;
    }
    this._retries?.fill(request);
    return request;
  }

  /**
   * Dispose of the form (and stop its schedule previews).
   */
  dispose(): void {
    this._schedule?.dispose();
    this._resourcesForm?.dispose();
    super.dispose();
  }

  /**
   * The job or sweep the fields describe.
   */
  private _jobValue(): IJobRequest | ISweepRequest {
    const request: IJobRequest = {
      path: this._options.path,
      name: this._nameInput.value.trim(),
      parameters: this._parameterValues()
    };
    const grid: { [name: string]: any[] } = {};
    for (const [name, values] of Object.entries(this._gridValues() ?? {})) {
      if (values.length > 1) {
        grid[name] = values;
        delete request.parameters![name];
      } else {
        request.parameters![name] = values[0];
      }
    }
    if (Object.keys(grid).length > 0) {
      (request as ISweepRequest).grid = grid;
      const limit = this._concurrencyInput?.value.trim();
      if (limit) {
        (request as ISweepRequest).max_concurrent = Number(limit);
      }
    }
    if (this._backendSelect) {
      request.backend = this._backendSelect.value;
      const resources: { [name: string]: any } = {
        ...(this._resourcesForm?.value ?? {})
      };
      for (const field of this._resourceFields) {
        const text = field.input.value.trim();
        if (text === '') {
          continue;
        }
        resources[field.resource.name] =
          field.resource.type === 'integer' ? Number(text) : text;
      }
      if (Object.keys(resources).length > 0) {
        request.resources = resources;
      }
    }
    if (this._kernelSelect && this._kernelSelect.value) {
      request.kernel_name = this._kernelSelect.value;
    }
    return request;
  }

  /**
   * The sections for when the job runs: now or on a schedule; retries and
   * the jobs it waits for (a run now only).
   */
  private _buildWhen(): void {
    const options = this._options;
    const bind = {
      trans: this._trans,
      field: this._field.bind(this),
      select: this._select.bind(this),
      mark: this._mark.bind(this)
    };
    if (options.preview) {
      this._schedule = new ScheduleFields({
        ...bind,
        schedule: options.schedule,
        preview: options.preview,
        onChange: () => {
          if (this._retries) {
            this._retries.node.hidden = this.scheduled;
          }
          this._revalidate();
        }
      });
      this.node.appendChild(this._schedule.node);
      this._scheduleMessage = document.createElement('div');
      this._scheduleMessage.className = 'jp-JobsSubmitForm-message';
      this._scheduleMessage.setAttribute('aria-live', 'polite');
      this._schedule.node.appendChild(this._scheduleMessage);
    }
    if (!options.schedule) {
      this._retries = new RetryFields({
        ...bind,
        activeJobs: options.activeJobs ?? []
      });
      this._retries.node.hidden = this.scheduled;
      this.node.appendChild(this._retries.node);
    }
  }

  /**
   * Build the form.
   */
  private _build(): void {
    const trans = this._trans;
    const options = this._options;

    const file = document.createElement('p');
    file.className = 'jp-JobsSubmitForm-file';
    file.textContent = trans.__('File: %1', options.path);
    this.node.appendChild(file);

    this._nameInput = this._field(
      this.node,
      'name',
      trans.__('Job name'),
      options.name
    );

    // Parameters
    const params = document.createElement('fieldset');
    params.className = 'jp-JobsSubmitForm-parameters';
    const legend = document.createElement('legend');
    legend.textContent = trans.__('Parameters');
    params.appendChild(legend);
    this.node.appendChild(params);
    if (options.kind === 'notebook') {
      const parameters = options.parameters ?? [];
      if (parameters.length === 0) {
        const p = document.createElement('p');
        p.className = 'jp-JobsSubmitForm-hint';
        p.textContent = trans.__(
          'This notebook declares no parameters (it has no cell tagged “parameters”, or nothing is assigned in it).'
        );
        params.appendChild(p);
      }
      for (const parameter of parameters) {
        this._notebookParameter(params, parameter);
      }
    } else {
      this._pairsContainer = document.createElement('div');
      this._pairsContainer.className = 'jp-JobsSubmitForm-pairs';
      params.appendChild(this._pairsContainer);
      for (const [name, value] of Object.entries(options.initialValues ?? {})) {
        this._addPair(name, formatValue(value, guessType(value)));
      }
      const add = document.createElement('button');
      add.type = 'button';
      add.className =
        'jp-Button jp-mod-styled jp-mod-reject jp-JobsSubmitForm-add';
      add.textContent = trans.__('Add parameter');
      add.addEventListener('click', () => {
        const input = this._addPair('', '');
        input.focus();
      });
      params.appendChild(add);
    }
    if (options.allowGrid) {
      this._runCount = document.createElement('p');
      this._runCount.className = 'jp-JobsSubmitForm-runCount';
      this._runCount.setAttribute('aria-live', 'polite');
      params.appendChild(this._runCount);
      this._concurrencyInput = this._field(
        params,
        'max-concurrent',
        trans.__('Concurrent runs'),
        ''
      );
      this._concurrencyInput.placeholder = trans.__('no limit');
      this._concurrencyInput.title = trans.__(
        'At most this many runs of the sweep at once'
      );
      this._concurrencyRow = this._concurrencyInput.closest(
        '.jp-JobsSubmitForm-row'
      ) as HTMLElement;
      this._concurrencyRow.classList.add('jp-JobsSubmitForm-concurrency');
      this._updateRunCount();
    }

    // Backend and resources
    const backends = options.backends;
    if (backends && backends.backends.length > 0) {
      const section = document.createElement('fieldset');
      section.className = 'jp-JobsSubmitForm-backend';
      const legend = document.createElement('legend');
      legend.textContent = trans.__('Where to run');
      section.appendChild(legend);
      const select = this._select(
        section,
        'backend',
        trans.__('Backend'),
        backends.backends.map(b => [b.name, b.label || b.name])
      );
      const initialBackend = options.initialBackend ?? backends.default;
      select.value = backends.backends.some(b => b.name === initialBackend)
        ? initialBackend
        : backends.backends[0].name;
      this._backendSelect = select;
      this._resourcesContainer = document.createElement('div');
      this._resourcesContainer.className = 'jp-JobsSubmitForm-resources';
      section.appendChild(this._resourcesContainer);
      select.addEventListener('change', () => this._renderResources());
      this.node.appendChild(section);
      this._renderResources();
    } else if (backends === null) {
      const p = document.createElement('p');
      p.className = 'jp-JobsSubmitForm-hint';
      p.textContent = trans.__(
        'The list of backends could not be loaded; the server default is used.'
      );
      this.node.appendChild(p);
    }

    // Kernel
    if (options.kind === 'notebook' && options.kernels) {
      const choices: [string, string][] = [
        [
          '',
          options.notebookKernel
            ? trans.__("The notebook's kernel (%1)", options.notebookKernel)
            : trans.__("The notebook's kernel")
        ],
        ...options.kernels.map(k => [k.name, k.displayName] as [string, string])
      ];
      this._kernelSelect = this._select(
        this.node,
        'kernel',
        trans.__('Kernel'),
        choices
      );
      if (options.initialKernel) {
        this._kernelSelect.value = options.initialKernel;
      }
    }

    this._buildWhen();
  }

  /**
   * A labelled text input with a place for its error.
   */
  private _field(
    parent: HTMLElement,
    key: string,
    label: string,
    value: string,
    hint?: string
  ): HTMLInputElement {
    const { row, id } = this._row(key, label);
    const input = document.createElement('input');
    input.type = 'text';
    input.id = id;
    input.className = 'jp-mod-styled';
    input.value = value;
    input.dataset.field = key;
    input.spellcheck = false;
    row.appendChild(input);
    if (hint) {
      const hintNode = document.createElement('span');
      hintNode.className = 'jp-JobsSubmitForm-type';
      hintNode.textContent = hint;
      row.appendChild(hintNode);
    }
    const error = document.createElement('div');
    error.className = 'jp-JobsSubmitForm-message';
    error.id = `${id}-error`;
    error.setAttribute('aria-live', 'polite');
    input.setAttribute('aria-describedby', error.id);
    row.appendChild(error);
    parent.appendChild(row);
    return input;
  }

  /**
   * A form row with its label; the control that goes in it gets the id.
   */
  private _row(key: string, label: string): { row: HTMLElement; id: string } {
    const row = document.createElement('div');
    row.className = 'jp-JobsSubmitForm-row';
    const id = `jp-JobsSubmitForm-${key}-${Private.nextId()}`;
    const labelNode = document.createElement('label');
    labelNode.htmlFor = id;
    labelNode.textContent = label;
    row.appendChild(labelNode);
    return { row, id };
  }

  /**
   * A labelled select.
   */
  private _select(
    parent: HTMLElement,
    key: string,
    label: string,
    choices: [string, string][]
  ): HTMLSelectElement {
    const { row, id } = this._row(key, label);
    const select = document.createElement('select');
    select.id = id;
    select.className = 'jp-mod-styled';
    select.dataset.field = key;
    for (const [value, text] of choices) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = text;
      select.appendChild(option);
    }
    row.appendChild(select);
    parent.appendChild(row);
    return select;
  }

  /**
   * One input per notebook parameter, labelled with its name.
   */
  private _notebookParameter(parent: HTMLElement, parameter: IParameter): void {
    const initial =
      this._options.initialValues &&
      parameter.name in this._options.initialValues
        ? this._options.initialValues[parameter.name]
        : parameter.value;
    const given =
      !!this._options.initialValues &&
      parameter.name in this._options.initialValues;
    const text =
      parameter.literal === false && !given
        ? String(parameter.value)
        : formatValue(initial, parameter.type);
    const input = this._field(
      parent,
      `parameter-${parameter.name}`,
      parameter.name,
      text,
      parameter.annotation || Private.typeLabel(parameter.type, this._trans)
    );
    input.dataset.parameter = parameter.name;
    if (parameter.comment) {
      input.title = parameter.comment;
      const help = document.createElement('div');
      help.className = 'jp-JobsSubmitForm-help';
      help.textContent = parameter.comment;
      const row = input.closest('.jp-JobsSubmitForm-row')!;
      row.insertBefore(help, row.querySelector('.jp-JobsSubmitForm-message'));
    }
    // An expression the dialog cannot evaluate is the notebook's own default
    // while the user leaves it as it is.
    const untouched = parameter.literal === false && !given ? text : null;
    const entry: Private.IParameterField = {
      parameter,
      input,
      mode: null,
      untouched
    };
    if (this._options.allowGrid) {
      this._addGridChoice(entry);
    }
    this._parameterFields.push(entry);
  }

  /**
   * Offer several values for a notebook parameter: a list, or a numeric
   * range with a step or a count.
   */
  private _addGridChoice(entry: Private.IParameterField): void {
    const trans = this._trans;
    const { parameter, input } = entry;
    const row = input.closest('.jp-JobsSubmitForm-row')!;
    const error = row.querySelector('.jp-JobsSubmitForm-message');
    const numeric = parameter.type === 'integer' || parameter.type === 'number';
    const choices: [ValueMode, string][] = [
      ['single', trans.__('one value')],
      ['list', trans.__('list of values')]
    ];
    if (numeric) {
      choices.push(['range', trans.__('range')]);
    }
    const mode = this._modeSelect(
      choices,
      trans.__('Values of %1', parameter.name)
    );
    row.insertBefore(mode, error);
    entry.mode = mode;
    if (numeric) {
      const container = document.createElement('span');
      container.className = 'jp-JobsSubmitForm-range';
      container.hidden = true;
      const rangeInput = (label: string, placeholder: string) => {
        const box = document.createElement('input');
        box.type = 'text';
        box.className = 'jp-mod-styled jp-JobsSubmitForm-rangeValue';
        box.setAttribute('aria-label', label);
        box.placeholder = placeholder;
        box.spellcheck = false;
        return box;
      };
      const start = rangeInput(trans.__('%1 from', parameter.name), 'from');
      const stop = rangeInput(trans.__('%1 to', parameter.name), 'to');
      const division = document.createElement('select');
      division.className = 'jp-mod-styled jp-JobsSubmitForm-division';
      division.setAttribute(
        'aria-label',
        trans.__('%1 by step or count', parameter.name)
      );
      for (const [value, text] of [
        ['step', trans.__('step')],
        ['count', trans.__('count')]
      ]) {
        const option = document.createElement('option');
        option.value = value;
        option.textContent = text;
        division.appendChild(option);
      }
      const by = rangeInput(trans.__('%1 step or count', parameter.name), '');
      start.value = formatValue(parameter.value, parameter.type);
      const words = [
        document.createTextNode(trans.__('from')),
        start,
        document.createTextNode(trans.__('to')),
        stop,
        document.createTextNode(trans.__('by')),
        division,
        by
      ];
      for (const word of words) {
        container.appendChild(word);
      }
      division.addEventListener('change', () => this._revalidate());
      row.insertBefore(container, error);
      entry.range = { container, start, stop, by, division };
    }
    mode.addEventListener('change', () => {
      const value = mode.value as ValueMode;
      input.hidden = value === 'range';
      if (entry.range) {
        entry.range.container.hidden = value !== 'range';
      }
      input.placeholder =
        value === 'list' ? trans.__('values separated by commas') : '';
      this._revalidate();
      (value === 'range' ? entry.range!.start : input).focus();
    });
  }

  /**
   * A select of how a parameter's values are given.
   */
  private _modeSelect(
    choices: [ValueMode, string][],
    label: string
  ): HTMLSelectElement {
    const select = document.createElement('select');
    select.className = 'jp-mod-styled jp-JobsSubmitForm-mode';
    select.setAttribute('aria-label', label);
    for (const [value, text] of choices) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = text;
      select.appendChild(option);
    }
    return select;
  }

  /**
   * The values of every parameter, by name (one value: a list of one);
   * `null` while one is invalid.
   */
  private _gridValues(): { [name: string]: any[] } | null {
    const grid: { [name: string]: any[] } = {};
    for (const entry of this._parameterFields) {
      const result = this._entryValues(entry);
      if (!result.ok) {
        return null;
      }
      if (result.values.length > 0) {
        grid[entry.parameter.name] = result.values;
      }
    }
    for (const pair of this._pairs) {
      const name = pair.nameInput.value.trim();
      if (!name) {
        continue;
      }
      if (pair.mode?.value === 'list') {
        const result = parseValueList(pair.valueInput.value, null);
        if (!result.ok) {
          return null;
        }
        grid[name] = result.values;
      } else {
        grid[name] = [guessValue(pair.valueInput.value)];
      }
    }
    return grid;
  }

  /**
   * The values of a notebook parameter as its mode reads them.
   */
  private _entryValues(entry: Private.IParameterField): GridValuesResult {
    const mode = (entry.mode?.value ?? 'single') as ValueMode;
    if (mode === 'list') {
      return parseValueList(entry.input.value, entry.parameter.type);
    }
    if (mode === 'range' && entry.range) {
      return expandRange(
        {
          start: entry.range.start.value,
          stop: entry.range.stop.value,
          by: entry.range.by.value,
          division: entry.range.division.value as RangeDivision
        },
        entry.parameter.type
      );
    }
    if (entry.untouched !== null && entry.input.value === entry.untouched) {
      return { ok: true, values: [] };
    }
    const result = convertValue(entry.input.value, entry.parameter.type);
    return result.ok
      ? { ok: true, values: [result.value] }
      : { ok: false, error: result.error };
  }

  /**
   * Show how many runs the values make, and the concurrency limit when
   * there are several.
   */
  private _updateRunCount(): void {
    if (!this._runCount) {
      return;
    }
    const trans = this._trans;
    const grid = this._gridValues();
    const sizes = grid ? Object.values(grid).map(v => v.length) : [];
    const total = sizes.reduce((n, size) => n * size, 1);
    const several = grid !== null && total > 1;
    this._runCount.textContent = several
      ? formatRunCount(sizes, n => trans._n('%1 run', '%1 runs', n))
      : '';
    this._runCount.hidden = !several;
    this._concurrencyRow!.hidden = !several;
  }

  /**
   * Add a free name/value row (scripts).
   */
  private _addPair(name: string, value: string): HTMLInputElement {
    const trans = this._trans;
    const row = document.createElement('div');
    row.className = 'jp-JobsSubmitForm-pair';
    const n = Private.nextId();
    const nameInput = document.createElement('input');
    nameInput.type = 'text';
    nameInput.className = 'jp-mod-styled jp-JobsSubmitForm-pairName';
    nameInput.value = name;
    nameInput.placeholder = trans.__('name');
    nameInput.setAttribute('aria-label', trans.__('Parameter name %1', n));
    const valueInput = document.createElement('input');
    valueInput.type = 'text';
    valueInput.className = 'jp-mod-styled jp-JobsSubmitForm-pairValue';
    valueInput.value = value;
    valueInput.placeholder = trans.__('value');
    valueInput.setAttribute('aria-label', trans.__('Parameter value %1', n));
    const mode = this._options.allowGrid
      ? this._modeSelect(
          [
            ['single', trans.__('one value')],
            ['list', trans.__('list of values')]
          ],
          trans.__('Values of parameter %1', n)
        )
      : null;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'jp-Button jp-mod-minimal jp-JobsSubmitForm-removePair';
    remove.textContent = '×';
    remove.setAttribute('aria-label', trans.__('Remove parameter %1', n));
    const error = document.createElement('div');
    error.className = 'jp-JobsSubmitForm-message';
    row.appendChild(nameInput);
    row.appendChild(valueInput);
    if (mode) {
      row.appendChild(mode);
      mode.addEventListener('change', () => {
        valueInput.placeholder =
          mode.value === 'list'
            ? trans.__('values separated by commas')
            : trans.__('value');
        this._revalidate();
      });
    }
    row.appendChild(remove);
    row.appendChild(error);
    this._pairsContainer!.appendChild(row);
    const pair = { row, nameInput, valueInput, mode, error };
    this._pairs.push(pair);
    remove.addEventListener('click', () => {
      row.remove();
      this._pairs.splice(this._pairs.indexOf(pair), 1);
      this._revalidate();
    });
    return nameInput;
  }

  /**
   * Show the resource inputs of the selected backend.
   */
  private _renderResources(): void {
    const container = this._resourcesContainer!;
    this._resourcesForm?.dispose();
    this._resourcesForm = null;
    container.textContent = '';
    this._resourceFields = [];
    const backend = this._selectedBackend();
    if (!backend) {
      return;
    }
    if (backend.description) {
      const p = document.createElement('p');
      p.className = 'jp-JobsSubmitForm-hint';
      p.textContent = backend.description;
      container.appendChild(p);
    }
    const initial = this._options.initialResources ?? {};
    if (backend.resources_schema) {
      // The server's JSON Schema, rendered by JupyterLab's FormComponent.
      this._resourcesForm = new ResourcesForm({
        schema: backend.resources_schema,
        initial,
        onChange: () => this._revalidate(),
        translator: this._options.translator
      });
      container.appendChild(this._resourcesForm.node);
      this._resourcesError = document.createElement('div');
      this._resourcesError.className = 'jp-JobsSubmitForm-message';
      this._resourcesError.setAttribute('aria-live', 'polite');
      container.appendChild(this._resourcesError);
      return;
    }
    for (const resource of backend.resources ?? []) {
      const value =
        resource.name in initial
          ? String(initial[resource.name])
          : resource.default === undefined || resource.default === null
            ? ''
            : String(resource.default);
      let input: HTMLInputElement | HTMLSelectElement;
      if (resource.choices && resource.choices.length > 0) {
        input = this._select(
          container,
          `resource-${resource.name}`,
          resource.label,
          [
            ['', this._trans.__('(default)')],
            ...resource.choices.map(c => [c, c] as [string, string])
          ]
        );
        input.value = resource.choices.indexOf(value) !== -1 ? value : '';
      } else {
        input = this._field(
          container,
          `resource-${resource.name}`,
          resource.label,
          value,
          resource.description
        );
        input.placeholder = Private.resourcePlaceholder(resource);
      }
      const field = { resource, input };
      this._resourceFields.push(field);
    }
  }

  private _selectedBackend(): IBackend | undefined {
    const name = this._backendSelect?.value;
    return this._options.backends?.backends.find(b => b.name === name);
  }

  /**
   * The parameters to send, with their JSON types.
   */
  private _parameterValues(): { [name: string]: any } {
    const values: { [name: string]: any } = {};
    for (const { parameter, input, mode, untouched } of this._parameterFields) {
      if (mode && mode.value !== 'single') {
        continue;
      }
      if (untouched !== null && input.value === untouched) {
        continue;
      }
      const result = convertValue(input.value, parameter.type);
      if (result.ok) {
        values[parameter.name] = result.value;
      }
    }
    for (const { nameInput, valueInput, mode } of this._pairs) {
      const name = nameInput.value.trim();
      if (name && mode?.value !== 'list') {
        values[name] = guessValue(valueInput.value);
      }
    }
    return values;
  }

  /**
   * Check every field and have the dialog update its Run button.
   */
  private _revalidate(): void {
    this._validateAll();
    this.node.dispatchEvent(new Event('input', { bubbles: true }));
  }

  private _validateAll(): void {
    this._validateName();
    for (const entry of this._parameterFields) {
      this._validateParameter(entry);
    }
    this._validatePairs();
    for (const field of this._resourceFields) {
      this._validateResource(field);
    }
    if (this._resourcesForm && this._resourcesError) {
      const errors = this._resourcesForm.errors;
      this._resourcesError.textContent = errors.join(' ');
      this._resourcesError.classList.toggle(ERROR_CLASS, errors.length > 0);
    }
    if (this._concurrencyInput) {
      const text = this._concurrencyInput.value.trim();
      this._mark(
        this._concurrencyInput,
        text && (!/^\d+$/.test(text) || Number(text) < 1)
          ? this._trans.__('Enter a whole number (1 or more).')
          : ''
      );
    }
    this._updateRunCount();
    this._schedule?.validate();
    this._retries?.validate();
    if (this._scheduleMessage) {
      const runs = this.scheduled ? this.runCount : 1;
      const message =
        runs !== null && runs > 1
          ? this._trans.__(
              'A schedule runs one job each time: give each parameter one value.'
            )
          : '';
      this._scheduleMessage.textContent = message;
      this._scheduleMessage.classList.toggle(ERROR_CLASS, !!message);
    }
  }

  private _validateName(): void {
    this._mark(
      this._nameInput,
      this._nameInput.value.trim() ? '' : this._trans.__('Enter a job name.')
    );
  }

  private _validateParameter(entry: Private.IParameterField): void {
    const result = this._entryValues(entry);
    const message = result.ok
      ? ''
      : Private.translateError(result.error, this._trans);
    const range = entry.mode?.value === 'range' ? entry.range : undefined;
    // The message goes under the row; the inputs in use are marked.
    this._mark(entry.input, range ? '' : message);
    if (entry.range) {
      for (const box of [entry.range.start, entry.range.stop, entry.range.by]) {
        box.classList.remove(ERROR_CLASS);
        box.setAttribute('aria-invalid', 'false');
      }
    }
    if (range) {
      this._mark(range.by, message);
    }
  }

  private _validatePairs(): void {
    const seen = new Set<string>();
    for (const pair of this._pairs) {
      const name = pair.nameInput.value.trim();
      let message = '';
      if (!name && pair.valueInput.value.trim()) {
        message = this._trans.__('Enter a name for this value.');
      } else if (name && !isIdentifier(name)) {
        message = this._trans.__('%1 is not a valid Python name.', name);
      } else if (name && seen.has(name)) {
        message = this._trans.__('%1 is given twice.', name);
      }
      let valueMessage = '';
      if (name && pair.mode?.value === 'list') {
        const result = parseValueList(pair.valueInput.value, null);
        valueMessage = result.ok
          ? ''
          : Private.translateError(result.error, this._trans);
      }
      pair.valueInput.classList.toggle(ERROR_CLASS, !!valueMessage);
      pair.valueInput.setAttribute(
        'aria-invalid',
        valueMessage ? 'true' : 'false'
      );
      seen.add(name);
      pair.nameInput.classList.toggle(ERROR_CLASS, !!message);
      pair.nameInput.setAttribute('aria-invalid', message ? 'true' : 'false');
      pair.error.textContent = message || valueMessage;
    }
  }

  private _validateResource(field: {
    resource: IBackendResource;
    input: HTMLInputElement | HTMLSelectElement;
  }): void {
    const text = field.input.value.trim();
    let message = '';
    if (text !== '') {
      if (field.resource.type === 'integer') {
        const least = field.resource.name === 'cpus' ? 1 : 0;
        if (!/^\d+$/.test(text) || Number(text) < least) {
          message =
            least === 1
              ? this._trans.__('Enter a whole number (1 or more).')
              : this._trans.__('Enter a whole number (0 or more).');
        }
      } else if (field.resource.name === 'memory') {
        if (!/^\d+(\.\d+)?\s*([KMGTP](i?B)?)?$/i.test(text)) {
          message = this._trans.__('Enter a size like 512M or 4G.');
        }
      } else if (field.resource.name === 'time_limit') {
        if (!/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(text)) {
          message = this._trans.__('Enter minutes, HH:MM:SS or D-HH:MM:SS.');
        }
      }
    }
    this._mark(field.input, message);
  }

  /**
   * Mark an input valid or invalid and show the message next to it.
   */
  private _mark(
    input: HTMLInputElement | HTMLSelectElement,
    message: string
  ): void {
    input.classList.toggle(ERROR_CLASS, !!message);
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
    const row = input.closest('.jp-JobsSubmitForm-row');
    const error = row?.querySelector('.jp-JobsSubmitForm-message');
    if (error) {
      error.textContent = message;
    }
  }

  private _options: SubmitJobForm.IOptions;
  private _trans: TranslationBundle;
  private _schedule: ScheduleFields | null = null;
  private _scheduleMessage: HTMLElement | null = null;
  private _retries: RetryFields | null = null;
  private _resourcesForm: ResourcesForm | null = null;
  private _resourcesError: HTMLElement | null = null;
  private _nameInput!: HTMLInputElement;
  private _backendSelect: HTMLSelectElement | null = null;
  private _kernelSelect: HTMLSelectElement | null = null;
  private _resourcesContainer: HTMLElement | null = null;
  private _pairsContainer: HTMLElement | null = null;
  private _parameterFields: Private.IParameterField[] = [];
  private _pairs: {
    row: HTMLElement;
    nameInput: HTMLInputElement;
    valueInput: HTMLInputElement;
    mode: HTMLSelectElement | null;
    error: HTMLElement;
  }[] = [];
  private _runCount: HTMLElement | null = null;
  private _concurrencyInput: HTMLInputElement | null = null;
  private _concurrencyRow: HTMLElement | null = null;
  private _resourceFields: {
    resource: IBackendResource;
    input: HTMLInputElement | HTMLSelectElement;
  }[] = [];
}

/**
 * The JSON type of a value, for script parameters given again.
 */
function guessType(value: any): ParameterType {
  if (typeof value === 'string') {
    return 'string';
  }
  return value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'object'
        ? 'object'
        : typeof value === 'boolean'
          ? 'boolean'
          : Number.isInteger(value)
            ? 'integer'
            : 'number';
}

/**
 * A namespace for `SubmitJobForm` statics.
 */
export namespace SubmitJobForm {
  /**
   * The options to create the form.
   */
  export interface IOptions {
    /**
     * The file to run, relative to the server root.
     */
    path: string;
    /**
     * Whether it is a notebook or a script.
     */
    kind: 'notebook' | 'script';
    /**
     * The default job name.
     */
    name: string;
    /**
     * The parameters of the notebook's parameters cell.
     */
    parameters?: IParameter[];
    /**
     * Values to prefill instead of the defaults (by name).
     */
    initialValues?: { [name: string]: any };
    /**
     * Resources to prefill.
     */
    initialResources?: { [name: string]: any };
    /**
     * The backends (`null` if they could not be loaded).
     */
    backends: IBackendList | null;
    /**
     * The kernels that can be chosen (`null` to hide the choice).
     */
    kernels: IKernelChoice[] | null;
    /**
     * The display name of the notebook's own kernel.
     */
    notebookKernel?: string | null;
    /**
     * Whether a parameter may take several values (a list or a range): the
     * form then shows how many runs they make and a concurrency limit, and
     * several values make a sweep.
     */
    allowGrid?: boolean;
    /**
     * The backend to preselect (a schedule's); the server's default if
     * missing.
     */
    initialBackend?: string | null;
    /**
     * The kernel to preselect (a schedule's).
     */
    initialKernel?: string | null;
    /**
     * The jobs a run may wait for ("Start after").
     */
    activeJobs?: IJob[];
    /**
     * The next run times of a cron expression (the server's preview): with
     * it the form offers "On a schedule".
     */
    preview?: (cron: string, timezone?: string) => Promise<ISchedulePreview>;
    /**
     * The schedule being edited: the form then describes a schedule, starts
     * from its values and offers no run now.
     */
    schedule?: ISchedule | null;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}

/**
 * A namespace for private helpers.
 */
namespace Private {
  let id = 0;

  /**
   * The inputs of a notebook parameter.
   */
  export interface IParameterField {
    /**
     * The parameter.
     */
    parameter: IParameter;
    /**
     * Its value (or list of values).
     */
    input: HTMLInputElement;
    /**
     * How its values are given, when several are allowed.
     */
    mode: HTMLSelectElement | null;
    /**
     * The text of a default that is no literal, while it is unchanged
     * (`null` otherwise).
     */
    untouched: string | null;
    /**
     * The inputs of a numeric range.
     */
    range?: {
      container: HTMLElement;
      start: HTMLInputElement;
      stop: HTMLInputElement;
      by: HTMLInputElement;
      division: HTMLSelectElement;
    };
  }

  /**
   * A unique number for element ids.
   */
  export function nextId(): number {
    return ++id;
  }

  /**
   * The label of a parameter type.
   */
  export function typeLabel(
    type: ParameterType,
    trans: TranslationBundle
  ): string {
    switch (type) {
      case 'integer':
        return trans.__('integer');
      case 'number':
        return trans.__('number');
      case 'string':
        return trans.__('text');
      case 'boolean':
        return trans.__('True/False');
      case 'array':
        return trans.__('list');
      case 'object':
        return trans.__('dict');
      case 'null':
      default:
        return trans.__('any value');
    }
  }

  /**
   * Translate the conversion errors of `convertValue`.
   */
  export function translateError(
    error: string,
    trans: TranslationBundle
  ): string {
    switch (error) {
      case 'Enter a whole number.':
        return trans.__('Enter a whole number.');
      case 'The number is too large.':
        return trans.__('The number is too large.');
      case 'Enter a number.':
        return trans.__('Enter a number.');
      case 'Enter True or False.':
        return trans.__('Enter True or False.');
      case 'Enter a list, like [1, 2].':
        return trans.__('Enter a list, like [1, 2].');
      case 'Enter a dict, like {"a": 1}.':
        return trans.__('Enter a dict, like {"a": 1}.');
      default:
        return error;
    }
  }

  /**
   * An example value for a resource input.
   */
  export function resourcePlaceholder(resource: IBackendResource): string {
    switch (resource.name) {
      case 'memory':
        return '4G';
      case 'time_limit':
        return '01:00:00';
      case 'cpus':
      case 'gpus':
        return '1';
      default:
        return '';
    }
  }
}
