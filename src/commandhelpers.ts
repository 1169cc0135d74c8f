import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { CommandToolbarButton, LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

/**
 * The `describedBy` of a command acting on one item (a job, a sweep): its
 * `id` argument.
 */
export function itemIdArgs(description: string) {
  return {
    args: {
      type: 'object' as const,
      properties: {
        id: { type: 'string' as const, description }
      },
      required: ['id']
    }
  };
}

/**
 * The `id` argument of a command acting on one item ('' when missing).
 */
export function itemId(args: ReadonlyPartialJSONObject): string {
  return String(args.id ?? '');
}

/**
 * The view of one item in the main area: it says when its item is removed.
 */
export interface IItemView extends Widget {
  /**
   * Emitted when the item was removed (the view closes then).
   */
  readonly removed: ISignal<any, any>;
}

/**
 * A button of an item view's toolbar that runs a command on the item.
 */
export interface IItemViewButton {
  /**
   * The toolbar item's name.
   */
  name: string;
  /**
   * The command it runs with `{id}`.
   */
  command: string;
  /**
   * Its label.
   */
  label: string;
  /**
   * Its icon, if any.
   */
  icon?: LabIcon;
}

/**
 * Activate the tracked view that matches, if one is open.
 */
export function activateOpenView<T extends Widget>(
  shell: JupyterFrontEnd.IShell,
  tracker: WidgetTracker<MainAreaWidget<T>>,
  matches: (content: T) => boolean
): MainAreaWidget<T> | undefined {
  const existing = tracker.find(widget => matches(widget.content));
  if (existing) {
    shell.activateById(existing.id);
  }
  return existing;
}

/**
 * Show the view of one item in the main area: a `MainAreaWidget` whose
 * title follows the view's, with toolbar buttons running commands on the
 * item, closed when the item is removed, tracked and activated.
 */
export function addItemView<T extends IItemView>(
  app: JupyterFrontEnd,
  options: {
    content: T;
    tracker: WidgetTracker<MainAreaWidget<T>>;
    itemId: string;
    widgetId: string;
    className: string;
    label: string;
    icon: LabIcon;
    buttons: IItemViewButton[];
  }
): MainAreaWidget<T> {
  const { commands, shell } = app;
  const { content, itemId } = options;
  const widget = new MainAreaWidget({ content });
  widget.id = options.widgetId;
  widget.addClass(options.className);
  widget.title.label = options.label;
  widget.title.icon = options.icon;
  content.title.changed.connect(() => {
    widget.title.label = content.title.label;
    widget.title.caption = content.title.caption;
    widget.title.icon = content.title.icon;
  });
  for (const button of options.buttons) {
    widget.toolbar.addItem(
      button.name,
      new CommandToolbarButton({
        commands,
        id: button.command,
        args: { id: itemId },
        label: button.label,
        icon: button.icon
      })
    );
  }
  content.removed.connect(() => widget.close());
  void options.tracker.add(widget);
  shell.add(widget, 'main');
  shell.activateById(widget.id);
  return widget;
}

/**
 * Tell the command registry that the given commands may have changed
 * (enabled state, label) each time a manager's list changes.
 */
export function notifyCommandsOnChange(
  app: JupyterFrontEnd,
  changed: ISignal<any, void>,
  ids: ReadonlyArray<string>
): void {
  changed.connect(() => {
    for (const id of ids) {
      app.commands.notifyCommandChanged(id);
    }
  });
}
