#!/usr/bin/env bash
# Test runtime installer: a real VS Code (code-server 4.100.3 = VS Code 1.100.3 web workbench + Node extension host)
# and playwright-core, from the npm registry only, into a git-ignored folder kept out of the project's dependencies.
# Usage: install-runtime.sh [dir]   (default: .vscode-test/runtime at the repository root)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${1:-$ROOT/.vscode-test/runtime}; mkdir -p "$DIR"; cd "$DIR"; DIR=$PWD
export DEBIAN_FRONTEND=noninteractive
# Chromium drives the web workbench; libkrb5-dev and a compiler build code-server's native modules.
if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq chromium libkrb5-dev build-essential pkg-config >/dev/null
fi
# Exact pins: the runner depends on this code-server's server layout and on this Playwright's CDP client.
cat > package.json <<'JSON'
{ "name": "nimbus-vscode-test-runtime", "private": true,
  "dependencies": { "code-server": "4.100.3", "playwright-core": "1.65.1" },
  "allowScripts": { "code-server": true, "argon2": true } }
JSON
# @vscode/ripgrep@1.15.11 (pinned by code-server) downloads rg from GitHub in its postinstall, which these machines
# cannot reach: seed its download cache with the rg binary the npm package @vscode/ripgrep-linux-x64 ships.
export TMPDIR="$DIR/tmp"; CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"; mkdir -p "$CACHE"
ARCHIVE="$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$ARCHIVE" ]; then
  (cd "$TMPDIR" && npm pack -s @vscode/ripgrep-linux-x64@1.18.0 >/dev/null &&
   tar xzf vscode-ripgrep-linux-x64-1.18.0.tgz package/bin/rg && tar czf "$ARCHIVE" -C package/bin rg)
fi
# unsafe_perm: code-server's postinstall refuses to run as root without it; yes: node-pty's postinstall runs `npx node-gyp`.
npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr npm install --no-audit --no-fund --no-package-lock
XDG_CONFIG_HOME="$TMPDIR/xdg" "$DIR/node_modules/.bin/code-server" --version
touch "$DIR/.installed"
