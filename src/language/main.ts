// Language layer entry (dist/languageServer.js): the nimbus.yaml language server over stdio, node-ipc, a socket or a pipe, for any LSP client.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import type { Logger } from '../shared/logger';
import { NimbusLanguageServer } from './server';

const transports = ['--stdio', '--node-ipc', '--socket=', '--pipe='];
if (!process.argv.slice(2).some((argument) => transports.some((transport) => argument.startsWith(transport)))) {
  process.stderr.write('usage: node languageServer.js --stdio | --node-ipc | --socket=<port> | --pipe=<name>\n');
  process.exit(2);
}

const connection = createConnection(ProposedFeatures.all);
// stdout may be the protocol channel, so log lines go to the client's output through the LSP console.
const logger: Logger = {
  debug: (message, fields) => connection.console.log(format(message, fields)),
  info: (message, fields) => connection.console.info(format(message, fields)),
  warn: (message, fields) => connection.console.warn(format(message, fields)),
  error: (message, fields) => connection.console.error(format(message, fields)),
};
new NimbusLanguageServer(connection, { logger }).listen();

function format(message: string, fields?: Record<string, unknown>): string {
  return fields && Object.keys(fields).length ? `${message} ${JSON.stringify(fields)}` : message;
}
