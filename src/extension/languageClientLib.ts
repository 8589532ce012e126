// Extension glue: vscode-languageclient, bundled on its own as dist/languageClientLib.js. It is the largest library
// the extension uses and only needed once a nimbus.yaml is open, so extension.js does not carry it: loading and
// compiling extension.js is most of what activation costs (languageClient.ts requires this bundle on first use).

export { LanguageClient, TransportKind } from 'vscode-languageclient/node';
