import { TranslationBundle } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { IconButton } from './iconbutton';
import { statusIcon, statusLabel } from './icons';
import { JobStatus } from './tokens';

/**
 * What the rows of the Jobs panel (a job, a sweep) share: an item that
 * opens on click, with a status, a name, action buttons and details.
 */
export function PanelRow(props: {
  /**
   * The classes of the item (`jp-JobsPanel-item`, modifiers).
   */
  className: string;
  /**
   * The `data-*` attributes that name what the row shows.
   */
  data: { [name: `data-${string}`]: string };
  /**
   * The tooltip.
   */
  title: string;
  /**
   * Open what the row shows.
   */
  onOpen: () => void;
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <li
      className={props.className}
      {...props.data}
      title={props.title}
      onClick={props.onOpen}
    >
      {props.children}
    </li>
  );
}

/**
 * The status of a row: its icon and label.
 */
export function StatusBadge(props: {
  status: JobStatus;
  trans: TranslationBundle;
}): JSX.Element {
  const Status = statusIcon(props.status);
  return (
    <span className="jp-JobsPanel-status jp-JobsStatus">
      <span className="jp-JobsStatus-icon">
        <Status.react tag="span" />
      </span>
      <span className="jp-JobsStatus-label">
        {statusLabel(props.status, props.trans)}
      </span>
    </span>
  );
}

/**
 * The name of a row: a button that opens what the row shows.
 */
export function RowName(props: {
  name: string;
  onOpen: () => void;
}): JSX.Element {
  return (
    <button
      type="button"
      className="jp-JobsPanel-name"
      onClick={event => {
        event.stopPropagation();
        props.onOpen();
      }}
    >
      {props.name}
    </button>
  );
}

/**
 * An action of a row: an icon button running a command on the row's item.
 */
export interface IRowAction {
  /**
   * The command, run with `{id}`.
   */
  command: string;
  icon: LabIcon;
  /**
   * The accessible name and tooltip.
   */
  label: string;
  className: string;
  disabled?: boolean;
}

/**
 * The action buttons of a row; `false` entries (actions that do not apply
 * to the item's status) are left out.
 */
export function RowActions(props: {
  commands: CommandRegistry;
  id: string;
  actions: ReadonlyArray<IRowAction | false>;
}): JSX.Element {
  const { commands, id } = props;
  return (
    <span className="jp-JobsPanel-actions">
      {props.actions.map(
        action =>
          action && (
            <IconButton
              key={action.command}
              icon={action.icon}
              label={action.label}
              className={action.className}
              disabled={action.disabled}
              onClick={() => {
                void commands.execute(action.command, { id });
              }}
            />
          )
      )}
    </span>
  );
}
