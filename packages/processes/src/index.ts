export type { ProcessOptions, RunCommand, RunCommandSync } from './options.ts';
export { isPeerInProcessTree } from './peer-in-tree.ts';
export type { ConnectionPeer, PortProcess } from './port-owner.ts';
export { findConnectionPeer, findConnectionUid, findPortListeners } from './port-owner.ts';
export type { ProcessIdentity } from './process-identity.ts';
export { isSameProcess, processIdentity } from './process-identity.ts';
export {
  isProcessRunning,
  readCommandLine,
  readEnvironment,
  readWorkingDirectory,
} from './process-info.ts';
export type { ProcessInfo } from './process-table.ts';
export { ancestorsOf, childrenOf, descendantsOf, listProcesses } from './process-table.ts';
export { isInProcessTree, processTree } from './process-tree.ts';
export { residentBytesOf, treeResidentBytes } from './resident-memory.ts';
export { isProcessGroupAlive, signalProcessGroup } from './signals.ts';
