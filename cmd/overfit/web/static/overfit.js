// The web viewer: an xterm.js terminal that fills the window and talks to
// the server over one WebSocket. Binary messages carry the session's
// output (server → browser) and the keystrokes (browser → server); a text
// message {"cols":N,"rows":N} reports a new size.
(function () {
  "use strict";
  var el = document.getElementById("term");
  var term = new Terminal({
    cursorBlink: false,
    scrollback: 0,
    fontFamily: '"Go Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
    fontSize: 14,
    theme: { background: "#16161e", foreground: "#d4d4d8" }
  });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(el);
  fit.fit();

  var url = new URL(el.dataset.root + "ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("cols", term.cols);
  url.searchParams.set("rows", term.rows);
  if (el.dataset.join) url.searchParams.set("join", el.dataset.join);
  var ws = new WebSocket(url.toString());
  ws.binaryType = "arraybuffer";
  var enc = new TextEncoder();

  ws.onmessage = function (e) {
    if (typeof e.data === "string") term.write(e.data);
    else term.write(new Uint8Array(e.data));
  };
  ws.onclose = function () {
    term.write("\r\n\x1b[2m[session ended — reload the page for a new one]\x1b[0m\r\n");
    document.body.classList.add("ended");
  };
  function send(data) {
    if (ws.readyState === WebSocket.OPEN) ws.send(data);
  }
  term.onData(function (d) { send(enc.encode(d)); });
  term.onBinary(function (d) {
    var b = new Uint8Array(d.length);
    for (var i = 0; i < d.length; i++) b[i] = d.charCodeAt(i) & 0xff;
    send(b);
  });
  term.onResize(function (s) { send(JSON.stringify({ cols: s.cols, rows: s.rows })); });
  window.addEventListener("resize", function () { fit.fit(); });
  term.focus();
})();
