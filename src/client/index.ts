// Client layer: the public surface of the backend client, for the CLI and the extension.

export { BackendClient, defaultBackendUrl, type BackendClientOptions, type LogTail } from './client';
export { connect, resolveConnection, type ConnectionInput } from './connection';
export { followLogs, type FollowLogsOptions } from './follow';
export { packageFunction, packArtifact, deployConfigOf, type DeployArtifact } from './package';
export { remoteInvoke, type RemoteInvocationResult } from './remote';
