import { Button, LabIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

/**
 * A small icon button of the Jobs panel with an accessible name (and an
 * optional visible text); the click does not reach the row under it.
 */
export function IconButton(props: {
  icon: LabIcon;
  label: string;
  onClick: () => void;
  className?: string;
  text?: string;
  disabled?: boolean;
}): JSX.Element {
  const Icon = props.icon;
  return (
    <Button
      type="button"
      minimal
      className={`jp-JobsPanel-button ${props.className ?? ''}`.trim()}
      title={props.label}
      aria-label={props.label}
      disabled={props.disabled}
      onClick={event => {
        event.stopPropagation();
        props.onClick();
      }}
    >
      <Icon.react tag="span" elementSize="normal" />
      {props.text && (
        <span className="jp-JobsPanel-buttonText">{props.text}</span>
      )}
    </Button>
  );
}
