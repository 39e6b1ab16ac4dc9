#!/bin/sh
# Refreshes the browser terminal the web viewer embeds: xterm.js and its fit
# addon, as built by their authors and published on npm, with their
# license. Building and running overfit needs no Node; this script needs npm.
#
#   scripts/update-xterm.sh              # the versions pinned below
#   XTERM=6.0.0 FIT=0.11.0 scripts/update-xterm.sh
set -eu
XTERM=${XTERM:-6.0.0}
FIT=${FIT:-0.11.0}
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/cmd/overfit/web/static"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "@xterm/xterm@$XTERM" "@xterm/addon-fit@$FIT" >/dev/null
mkdir xterm fit
tar -xzf "xterm-xterm-$XTERM.tgz" -C xterm --strip-components=1
tar -xzf "xterm-addon-fit-$FIT.tgz" -C fit --strip-components=1
mkdir -p "$dest"
cp xterm/lib/xterm.js "$dest/xterm.js"
cp xterm/css/xterm.css "$dest/xterm.css"
cp xterm/LICENSE "$dest/LICENSE.xterm"
cp fit/lib/addon-fit.js "$dest/addon-fit.js"
cp fit/LICENSE "$dest/LICENSE.addon-fit"
printf '@xterm/xterm %s\n@xterm/addon-fit %s\n' "$XTERM" "$FIT" >"$dest/VERSIONS"
echo "updated $dest: xterm $XTERM, addon-fit $FIT"
