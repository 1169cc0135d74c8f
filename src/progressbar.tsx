import * as React from 'react';

/**
 * A progress bar `done/total` with an accessible name, as the Jobs panel
 * shows it (classes `jp-JobsProgress`, `jp-JobsProgress-fill`,
 * `jp-JobsProgress-text`).
 */
export function ProgressBar(props: {
  done: number;
  total: number;
  label: string;
}): JSX.Element {
  const { done, total, label } = props;
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  return (
    <div
      className="jp-JobsProgress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={Math.max(total, 0)}
      aria-valuenow={Math.max(done, 0)}
    >
      <div
        className="jp-JobsProgress-fill"
        style={{ width: `${Math.round(ratio * 100)}%` }}
      />
      <span className="jp-JobsProgress-text">{`${done}/${total}`}</span>
    </div>
  );
}
