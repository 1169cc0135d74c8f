import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { managerPlugin } from './managerplugin';
import { notebookTreePlugin } from './notebooktreeplugin';
import { notificationsPlugin } from './notificationsplugin';
import { panelPlugin } from './panelplugin';
import { runningPlugin } from './runningplugin';
import { runPlugin } from './runplugin';
import { schedulesManagerPlugin, schedulesPlugin } from './scheduleplugins';
import { outputDocumentPlugin } from './outputdocument';
import { editSchedulePlugin } from './editscheduleplugin';
import { sweepsManagerPlugin, sweepViewPlugin } from './sweepplugins';

export * from './tokens';
export { CommandIDs } from './commands';
export { JobsClient } from './jobclient';
export { JobsCache } from './jobcache';
export { JobsPanel, JobsSection } from './panel';
export { SchedulesSection } from './schedulessection';
export { JobView } from './jobview';
export { JobOutputModel } from './output';
export { JobResultsView } from './results';
export { SchedulesClient } from './scheduleclient';
export { SchedulesCache } from './schedulecache';
export { ServerCache } from './servercache';
export { SweepsClient } from './sweepclient';
export { SweepsCache } from './sweepcache';
export { SweepView } from './sweepview';

const plugins: JupyterFrontEndPlugin<any>[] = [
  managerPlugin,
  panelPlugin,
  runPlugin,
  notificationsPlugin,
  runningPlugin,
  sweepsManagerPlugin,
  sweepViewPlugin,
  schedulesManagerPlugin,
  schedulesPlugin,
  editSchedulePlugin,
  outputDocumentPlugin,
  notebookTreePlugin
];

export default plugins;
