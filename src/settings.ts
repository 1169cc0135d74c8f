import { ISettingRegistry } from '@jupyterlab/settingregistry';

/**
 * The id of the plugin that owns the user settings.
 */
export const SETTINGS_ID = 'jupyter-jobs:panel';

/**
 * The translation domain.
 */
export const DOMAIN = 'jupyter_jobs';

/**
 * The user settings, with their defaults.
 */
export interface ISettingsValues {
  notifications: boolean;
  maxOutputLines: number;
  panelSide: 'left' | 'right';
  pageSize: number;
  refreshInterval: number;
  revealPanelOnRun: boolean;
}

/**
 * The defaults of the user settings.
 */
export const DEFAULT_SETTINGS: ISettingsValues = {
  notifications: true,
  maxOutputLines: 10000,
  panelSide: 'left',
  pageSize: 50,
  refreshInterval: 15,
  revealPanelOnRun: true
};

/**
 * Load the settings and call back now and on every change.
 */
export function watchSettings(
  registry: ISettingRegistry | null,
  onChange: (values: ISettingsValues) => void
): void {
  if (!registry) {
    return;
  }
  registry
    .load(SETTINGS_ID)
    .then(settings => {
      const read = () =>
        onChange({
          ...DEFAULT_SETTINGS,
          ...(settings.composite as Partial<ISettingsValues>)
        });
      read();
      settings.changed.connect(read);
    })
    .catch(reason => {
      console.error('jupyter-jobs: cannot load settings', reason);
    });
}
