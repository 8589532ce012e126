#!/usr/bin/env node
// The `nimbus` command: a thin launcher for the bundled CLI.
require('../dist/cli.js');
