#!/usr/bin/env bash
# Regenerate the README pictures of the session UI from real frames.
#
# Each picture is a frame of `overfit play` running in a detached tmux pane of
# a fixed size: the script waits until the pane shows the wanted phase,
# captures it with its colors (tmux capture-pane -e) and renders the capture
# to SVG with charmbracelet/freeze. Run it from the repository root after a UI
# change:
#
#   go install github.com/charmbracelet/freeze@v0.2.2   # once
#   scripts/screenshots.sh                               # writes docs/img/*.svg
#
# Environment: OUT (output directory, default docs/img), SEED (default 14: a
# 70B pretraining run on 128 nodes), FREEZE (the freeze binary), KEEP=1 keeps
# the .ansi captures next to the pictures.
set -euo pipefail

OUT=${OUT:-docs/img}
SEED=${SEED:-14}
FREEZE=${FREEZE:-$(command -v freeze || echo "$(go env GOPATH)/bin/freeze")}
command -v tmux >/dev/null || { echo "screenshots: tmux is needed" >&2; exit 1; }
[ -x "$FREEZE" ] || { echo "screenshots: freeze not found; go install github.com/charmbracelet/freeze@v0.2.2" >&2; exit 1; }

tmp=$(mktemp -d)
sock=overfit-shots-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/overfit" ./cmd/overfit
mkdir -p "$OUT"
# A private tmux server, kept up between shots by an idle session (killing a
# server's last session and starting the next one at once races its exit).
tmux -L "$sock" new-session -d -s idle "sleep 86400"

# shoot NAME WIDTH HEIGHT MARKER EXTRA_SECONDS [session options...]
# waits (up to 15 minutes) until MARKER is on screen, then EXTRA_SECONDS more.
shoot() {
	local name=$1 w=$2 h=$3 marker=$4 extra=$5
	shift 5
	tmux -L "$sock" new-session -d -s shot -x "$w" -y "$h" \
		"env TERM=xterm-256color COLORTERM=truecolor $tmp/overfit play --seed $SEED $*"
	local deadline=$((SECONDS + 900))
	until tmux -L "$sock" capture-pane -t shot -p | grep -qF -- "$marker"; do
		if [ $SECONDS -ge $deadline ]; then
			echo "screenshots: $name: \"$marker\" never showed up" >&2
			exit 1
		fi
		sleep 1
	done
	sleep "$extra"
	tmux -L "$sock" capture-pane -t shot -p -e >"$tmp/$name.ansi"
	tmux -L "$sock" kill-session -t shot
	# freeze (v0.2.2) ignores SGR 39/49 (default foreground/background), so
	# a color would run on past its span: spell the defaults out.
	sed -e 's/\x1b\[39m/\x1b[38;2;221;221;221m/g' -e 's/\x1b\[49m/\x1b[48;2;23;23;23m/g' \
		"$tmp/$name.ansi" >"$tmp/$name.fixed.ansi"
	# A generic monospace stack instead of freeze's embedded font keeps each
	# picture ~25 KB instead of ~400 KB.
	"$FREEZE" --language ansi --window --padding 20 --margin 10 --background "#171717" \
		--font.family "ui-monospace, SFMono-Regular, Menlo, Consolas, DejaVu Sans Mono, monospace" \
		-o "$OUT/$name.svg" <"$tmp/$name.fixed.ansi" >/dev/null
	[ "${KEEP:-}" = 1 ] && cp "$tmp/$name.ansi" "$OUT/$name.ansi"
	echo "screenshots: $OUT/$name.svg"
}

shoot training-120x40 120 40 "Training:" 40
shoot training-80x24 80 24 "Training:" 40
shoot training-plain-100x30 100 30 "Training:" 30 --plain
shoot validation-120x40 120 40 "Evaluating:" 3 --speed 4
shoot export-120x40 120 40 "Writing shards" 1 --speed 4
shoot summary-200x60 200 60 "Training summary" 1 --speed 4
shoot small-40x12 40 12 "Training:" 10
