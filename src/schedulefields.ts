import { TranslationBundle } from '@jupyterlab/translation';

import {
  CRON_PRESETS,
  CronPreset,
  cronToPreset,
  parseTimeOfDay,
  presetToCron
} from './cronpresets';
import { ISchedule, ISchedulePreview, ScheduleCatchUp } from './tokens';

/**
 * The class name of the schedule section of the submit form.
 */
export const SCHEDULE_FIELDS_CLASS = 'jp-JobsSubmitForm-schedule';

/**
 * How long typing must pause before the next run times are asked for.
 */
const PREVIEW_DELAY_MS = 300;

/**
 * The "When" part of the submit form: run now or on a schedule (a cron
 * expression from presets or typed, a time zone, a catch-up rule), with the
 * next three run times the server computes as the user types. The server's
 * message for an invalid expression or zone is shown inline and marks the
 * field invalid, which keeps the dialog's button disabled.
 */
export class ScheduleFields {
  /**
   * Build the fields into the form.
   */
  constructor(options: ScheduleFields.IOptions) {
    this._options = options;
    this._trans = options.trans;
    this.node = document.createElement('fieldset');
    this.node.className = SCHEDULE_FIELDS_CLASS;
    this._build();
  }

  /**
   * The fieldset of the section.
   */
  readonly node: HTMLFieldSetElement;

  /**
   * Whether the user chose "On a schedule".
   */
  get scheduled(): boolean {
    return this._scheduleRadio.checked;
  }

  /**
   * The cron expression in the field.
   */
  get cron(): string {
    return this._cronInput.value.trim();
  }

  /**
   * The time zone in the field.
   */
  get timezone(): string {
    return this._timezoneInput.value.trim();
  }

  /**
   * The catch-up rule chosen.
   */
  get catchUp(): ScheduleCatchUp {
    return this._catchUpSelect.value as ScheduleCatchUp;
  }

  /**
   * The next run times of the last valid preview (ISO 8601, UTC).
   */
  get nextRuns(): string[] {
    return this._preview?.next_runs ?? [];
  }

  /**
   * Mark the fields from the last answer of the server (the form calls this
   * when it checks every field): the cron or time zone input carries the
   * server's message while it is invalid.
   */
  validate(): void {
    const { mark } = this._options;
    if (!this.scheduled) {
      mark(this._cronInput, '');
      mark(this._timezoneInput, '');
      mark(this._timeInput, '');
      return;
    }
    const preset = this._presetSelect.value as CronPreset;
    const timeMessage =
      preset !== 'custom' && !parseTimeOfDay(this._timeInput.value)
        ? this._trans.__('Enter a time of day like 06:30.')
        : '';
    mark(this._timeInput, timeMessage);
    let cronMessage = '';
    let zoneMessage = '';
    if (!this.cron) {
      cronMessage = this._trans.__('Enter a cron expression.');
    } else if (this._error !== null) {
      // The server says which of the two is wrong.
      if (/zone/i.test(this._error)) {
        zoneMessage = this._error;
      } else {
        cronMessage = this._error;
      }
    }
    mark(this._cronInput, cronMessage);
    mark(this._timezoneInput, zoneMessage);
  }

  /**
   * Stop asking for previews.
   */
  dispose(): void {
    window.clearTimeout(this._timer);
    this._asked++;
  }

  private _build(): void {
    const trans = this._trans;
    const { field, select } = this._options;
    const initial = this._options.schedule;

    const legend = document.createElement('legend');
    legend.textContent = trans.__('When');
    this.node.appendChild(legend);

    const choice = document.createElement('div');
    choice.className = 'jp-JobsSubmitForm-when';
    choice.setAttribute('role', 'radiogroup');
    choice.setAttribute('aria-label', trans.__('When to run'));
    // The two radios share a name made once per form.
    const name = `jp-JobsSubmitForm-when-${ScheduleFields.nextId()}`;
    const radio = (value: string, label: string) => {
      const wrapper = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = name;
      input.value = value;
      wrapper.appendChild(input);
      wrapper.appendChild(document.createTextNode(label));
      choice.appendChild(wrapper);
      input.addEventListener('change', () => this._onModeChanged());
      return input;
    };
    this._nowRadio = radio('now', trans.__('Run now'));
    this._scheduleRadio = radio('schedule', trans.__('On a schedule'));
    this._nowRadio.checked = !initial;
    this._scheduleRadio.checked = !!initial;
    if (initial) {
      // Editing a schedule: it stays one.
      choice.hidden = true;
    }
    this.node.appendChild(choice);

    this._details = document.createElement('div');
    this._details.className = 'jp-JobsSubmitForm-scheduleDetails';
    this.node.appendChild(this._details);

    const start = initial
      ? cronToPreset(initial.cron)
      : { preset: 'daily' as CronPreset, time: '09:00', weekday: 1 };
    this._presetSelect = select(
      this._details,
      'schedule-preset',
      trans.__('Repeat'),
      CRON_PRESETS.map(preset => [preset, this._presetLabel(preset)])
    );
    this._presetSelect.value = start.preset;
    this._timeInput = field(
      this._details,
      'schedule-time',
      trans.__('At'),
      start.time
    );
    this._timeInput.type = 'time';
    this._timeRow = this._timeInput.closest('.jp-JobsSubmitForm-row')!;
    this._weekdaySelect = select(
      this._details,
      'schedule-weekday',
      trans.__('On'),
      [0, 1, 2, 3, 4, 5, 6].map(day => [String(day), this._dayName(day)])
    );
    this._weekdaySelect.value = String(start.weekday);
    this._weekdayRow = this._weekdaySelect.closest('.jp-JobsSubmitForm-row')!;
    this._cronInput = field(
      this._details,
      'schedule-cron',
      trans.__('Cron expression'),
      initial?.cron ?? presetToCron(start) ?? '',
      trans.__('minute hour day month weekday')
    );
    this._cronInput.placeholder = '0 6 * * 1-5';
    this._timezoneInput = field(
      this._details,
      'schedule-timezone',
      trans.__('Time zone'),
      initial?.timezone ?? ScheduleFields.browserTimeZone()
    );
    const zones = ScheduleFields.timeZones();
    if (zones.length > 0) {
      const list = document.createElement('datalist');
      list.id = `${this._timezoneInput.id}-zones`;
      for (const zone of zones) {
        const option = document.createElement('option');
        option.value = zone;
        list.appendChild(option);
      }
      this._timezoneInput.setAttribute('list', list.id);
      this._timezoneInput.parentElement!.appendChild(list);
    }
    this._catchUpSelect = select(
      this._details,
      'schedule-catch-up',
      trans.__('Missed runs'),
      [
        ['skip', trans.__('Skip them')],
        ['once', trans.__('Run once, late')]
      ]
    );
    this._catchUpSelect.value = initial?.catch_up ?? 'skip';
    this._catchUpSelect.title = trans.__(
      'What to do with runs missed while nothing could fire them (the server and cron were down)'
    );

    const next = document.createElement('div');
    next.className = 'jp-JobsSubmitForm-nextRuns';
    next.setAttribute('aria-live', 'polite');
    const nextLabel = document.createElement('span');
    nextLabel.textContent = trans.__('Next runs:');
    this._nextList = document.createElement('ol');
    this._nextList.className = 'jp-JobsSubmitForm-nextRunsList';
    next.appendChild(nextLabel);
    next.appendChild(this._nextList);
    this._details.appendChild(next);

    const frozen = document.createElement('p');
    frozen.className = 'jp-JobsSubmitForm-hint jp-JobsSubmitForm-frozen';
    frozen.textContent = initial
      ? trans.__(
          'Every run uses a copy of the file taken when the schedule was created or last edited with “Use the file as it is now”.'
        )
      : trans.__(
          'The file is copied when the schedule is created: every run uses that copy, and later edits to the file do not change the runs (edit the schedule to take them).'
        );
    this._details.appendChild(frozen);

    for (const control of [this._presetSelect, this._weekdaySelect]) {
      control.addEventListener('change', () => this._onPresetChanged());
    }
    this._timeInput.addEventListener('input', () => this._onPresetChanged());
    this._timeInput.addEventListener('change', () => this._onPresetChanged());
    this._cronInput.addEventListener('input', () => {
      // A typed expression is a custom one, unless it is a preset's.
      const preset = cronToPreset(this._cronInput.value);
      this._presetSelect.value = preset.preset;
      if (preset.preset !== 'custom') {
        this._timeInput.value = preset.time;
        this._weekdaySelect.value = String(preset.weekday);
      }
      this._showPresetFields();
      this._schedulePreview();
    });
    this._timezoneInput.addEventListener('input', () =>
      this._schedulePreview()
    );
    this._showPresetFields();
    this._onModeChanged();
  }

  private _onModeChanged(): void {
    this._details.hidden = !this.scheduled;
    if (this.scheduled) {
      this._schedulePreview();
    }
    this._options.onChange();
  }

  private _onPresetChanged(): void {
    const preset = this._presetSelect.value as CronPreset;
    const cron = presetToCron({
      preset,
      time: this._timeInput.value,
      weekday: Number(this._weekdaySelect.value)
    });
    if (cron !== null) {
      this._cronInput.value = cron;
    }
    this._showPresetFields();
    this._schedulePreview();
    if (preset === 'custom') {
      this._cronInput.focus();
    }
  }

  private _showPresetFields(): void {
    const preset = this._presetSelect.value as CronPreset;
    this._timeRow.hidden = preset === 'custom';
    this._weekdayRow.hidden = preset !== 'weekly';
    this._timeInput
      .closest('.jp-JobsSubmitForm-row')!
      .querySelector('label')!.textContent =
      preset === 'hourly'
        ? this._trans.__('At minute (HH:MM, the minutes count)')
        : this._trans.__('At');
  }

  /**
   * Ask the server for the next run times once typing pauses.
   */
  private _schedulePreview(): void {
    window.clearTimeout(this._timer);
    const asked = ++this._asked;
    this._error = null;
    this._nextList.textContent = '';
    this._options.onChange();
    if (!this.scheduled || !this.cron) {
      return;
    }
    this._timer = window.setTimeout(() => {
      void this._askPreview(asked);
    }, PREVIEW_DELAY_MS);
  }

  private async _askPreview(asked: number): Promise<void> {
    let preview: ISchedulePreview | null = null;
    let error: string | null = null;
    try {
      preview = await this._options.preview(
        this.cron,
        this.timezone || undefined
      );
    } catch (reason) {
      error = reason instanceof Error ? reason.message : String(reason);
    }
    if (asked !== this._asked) {
      return; // the user typed on meanwhile
    }
    this._preview = preview;
    this._error = error;
    this._nextList.textContent = '';
    for (const run of preview?.next_runs ?? []) {
      const item = document.createElement('li');
      item.className = 'jp-JobsSubmitForm-nextRun';
      item.textContent = ScheduleFields.formatRun(
        run,
        preview!.timezone || this.timezone
      );
      item.title = run;
      this._nextList.appendChild(item);
    }
    this._options.onChange();
  }

  private _presetLabel(preset: CronPreset): string {
    const trans = this._trans;
    switch (preset) {
      case 'hourly':
        return trans.__('Every hour');
      case 'daily':
        return trans.__('Every day at a time');
      case 'weekdays':
        return trans.__('Weekdays (Mon–Fri) at a time');
      case 'weekly':
        return trans.__('Every week on a day');
      case 'custom':
      default:
        return trans.__('Custom (cron expression)');
    }
  }

  private _dayName(day: number): string {
    const trans = this._trans;
    return [
      trans.__('Sunday'),
      trans.__('Monday'),
      trans.__('Tuesday'),
      trans.__('Wednesday'),
      trans.__('Thursday'),
      trans.__('Friday'),
      trans.__('Saturday')
    ][day];
  }

  private _options: ScheduleFields.IOptions;
  private _trans: TranslationBundle;
  private _nowRadio!: HTMLInputElement;
  private _scheduleRadio!: HTMLInputElement;
  private _details!: HTMLElement;
  private _presetSelect!: HTMLSelectElement;
  private _timeInput!: HTMLInputElement;
  private _timeRow!: HTMLElement;
  private _weekdaySelect!: HTMLSelectElement;
  private _weekdayRow!: HTMLElement;
  private _cronInput!: HTMLInputElement;
  private _timezoneInput!: HTMLInputElement;
  private _catchUpSelect!: HTMLSelectElement;
  private _nextList!: HTMLOListElement;
  private _timer = 0;
  private _asked = 0;
  private _preview: ISchedulePreview | null = null;
  private _error: string | null = null;
}

/**
 * A namespace for `ScheduleFields` statics.
 */
export namespace ScheduleFields {
  /**
   * The options of the schedule section.
   */
  export interface IOptions {
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * The schedule being edited, if any: the section then stays in
     * schedule mode and starts from its values.
     */
    schedule?: ISchedule | null;
    /**
     * The next run times of an expression (`SchedulesClient.preview`);
     * rejects with the server's message when it is invalid.
     */
    preview: (cron: string, timezone?: string) => Promise<ISchedulePreview>;
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
    /**
     * Called when the fields change (the form checks itself again).
     */
    onChange: () => void;
  }

  let id = 0;

  /**
   * A unique number for element names.
   */
  export function nextId(): number {
    return ++id;
  }

  /**
   * The browser's IANA time zone (UTC if it has none).
   */
  export function browserTimeZone(): string {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch {
      return 'UTC';
    }
  }

  /**
   * The IANA time zones the browser knows, for suggestions.
   */
  export function timeZones(): string[] {
    const supported = (Intl as any).supportedValuesOf;
    try {
      return typeof supported === 'function' ? supported('timeZone') : [];
    } catch {
      return [];
    }
  }

  /**
   * A run time as the schedule's zone shows it, with the zone's name.
   */
  export function formatRun(iso: string, timezone: string): string {
    const date = new Date(iso);
    const options: Intl.DateTimeFormatOptions = {
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short'
    };
    try {
      return date.toLocaleString(undefined, { ...options, timeZone: timezone });
    } catch {
      return date.toLocaleString(undefined, options);
    }
  }
}
