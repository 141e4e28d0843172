/**
 * The page's only script (inline, allowed by the CSP nonce). Progressive enhancement: the server has
 * already rendered everything; this adds copy buttons, the countdown and live status by polling the
 * same-origin status URL. It reads its data from the `#inzi-data` JSON block and writes only through
 * `textContent`, attributes it owns and `hidden`, never `innerHTML`.
 *
 * Kept as plain ES2017 text (no build step, no template literals inside).
 */
const SOURCE = String.raw`(function () {
  "use strict";
  var dataEl = document.getElementById("inzi-data");
  if (!dataEl) return;
  var d = JSON.parse(dataEl.textContent || "{}");
  var m = d.messages;
  var $ = function (id) { return document.getElementById(id); };
  var fmt = function (t, v) {
    /* Same rule as glueAmounts in i18n.ts: a number and its unit never split across lines. */
    return t.replace(/\{(\w+)\}/g, function (w, k) { return Object.prototype.hasOwnProperty.call(v, k) ? String(v[k]) : w; })
      .replace(/(\d) ([A-Z][A-Za-z0-9.]*\b)/g, "$1\u00a0$2");
  };
  var cents = function (s) {
    var p = String(s).split(".");
    return parseInt(p[0], 10) * 100 + parseInt(((p[1] || "") + "00").slice(0, 2), 10);
  };
  var usd = function (c) { c = Math.max(0, c); var r = c % 100; return Math.floor(c / 100) + "." + (r < 10 ? "0" : "") + r; };
  var skew = d.serverNow - Date.now();
  var expiresAt = Date.parse(d.expiresAt);
  var state = { status: d.status, amount_paid: d.amountPaid, amount_due: d.amountDue,
    confirmations: d.confirmations, confirmations_required: d.confirmationsRequired };
  var pollTimer = null, tickTimer = null, redirecting = false, stopped = false;

  var announce = function (text) {
    var a = $("announce");
    if (!a) return;
    a.textContent = "";
    setTimeout(function () { a.textContent = text; }, 30);
  };

  /* ---------- network selection (CSS does it too; this covers browsers without :has) ---------- */
  var radios = document.querySelectorAll("input[name=option]");
  var syncPanels = function () {
    for (var i = 0; i < radios.length; i++) {
      var panel = $("panel-" + radios[i].value);
      if (panel) panel.hidden = !radios[i].checked;
    }
  };
  /* The chosen network/token survives a reload (e.g. the one after an underpayment). */
  var optKey = "inzi-option:" + d.statusUrl;
  var remember = function () {
    for (var i = 0; i < radios.length; i++)
      if (radios[i].checked) try { sessionStorage.setItem(optKey, radios[i].getAttribute("data-key")); } catch (e) {}
  };
  try {
    var kept = sessionStorage.getItem(optKey);
    for (var i = 0; i < radios.length; i++) if (kept && radios[i].getAttribute("data-key") === kept) radios[i].checked = true;
  } catch (e) {}
  for (var i = 0; i < radios.length; i++) radios[i].addEventListener("change", function () { syncPanels(); remember(); });
  syncPanels();

  /* ---------- copy buttons ---------- */
  var copyText = function (text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "vh";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      ok ? resolve() : reject(new Error("copy failed"));
    });
  };
  var buttons = document.querySelectorAll("button[data-copy]");
  for (var b = 0; b < buttons.length; b++) {
    (function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var src = $(btn.getAttribute("data-copy"));
        if (!src) return;
        copyText(src.textContent || "").then(function () {
          btn.textContent = m.copied;
          btn.setAttribute("data-done", "");
          announce(m[btn.getAttribute("data-announce")] || m.copied);
          setTimeout(function () { btn.textContent = m.copy; btn.removeAttribute("data-done"); }, 2000);
        }, function () { announce(m.copyFailed); });
      });
    })(buttons[b]);
  }

  /* ---------- payments seen (amount, confirmations, transaction); same markup as paymentItem ---------- */
  var trim = function (a) { return /^\d+\.\d+$/.test(a) ? a.replace(/\.?0+$/, "") : a; };
  var el = function (tag, text) { var e = document.createElement(tag); if (text != null) e.textContent = text; return e; };
  var renderTxs = function (payments, status) {
    var ul = $("txs");
    if (!ul || !payments || typeof payments.length !== "number") return;
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    var list = status === "completed" ? [] : payments;
    for (var i = 0; i < list.length; i++) {
      var p = list[i], li = el("li");
      li.appendChild(el("span", fmt(m.received, { amount: trim(String(p.amount)), token: p.crypto_currency, network: p.network_label })));
      if (p.status === "detected") {
        li.appendChild(document.createTextNode(" "));
        var c = el("span", fmt(m.confirmationsOf, { x: p.confirmations, n: p.confirmations_required }));
        c.className = "conf-n";
        li.appendChild(c);
      }
      li.appendChild(document.createTextNode(" "));
      var hash = String(p.tx_hash), tx = fmt(m.transaction, { hash: hash.length > 20 ? hash.slice(0, 10) + "\u2026" + hash.slice(-8) : hash });
      var link = typeof p.explorer_url === "string" && /^https?:\/\//i.test(p.explorer_url) ? el("a", tx) : el("span", tx);
      if (link.tagName === "A") { link.href = p.explorer_url; link.rel = "noopener noreferrer"; link.target = "_blank"; }
      link.title = hash;
      li.appendChild(link);
      ul.appendChild(li);
    }
    ul.hidden = list.length === 0;
  };

  /* ---------- receipt ---------- */
  var printBtn = $("print");
  if (printBtn) {
    printBtn.hidden = false;
    printBtn.addEventListener("click", function () { window.print(); });
  }

  /* ---------- status ---------- */
  var due = function (s) {
    return s.amount_due != null ? cents(s.amount_due) : cents(d.amount) - cents(s.amount_paid);
  };
  var isExpired = function () { return Date.now() + skew >= expiresAt; };
  var render = function (s) {
    var status = s.status;
    /* Past expires_at a pending checkout is shown as expired at once; polling goes on until the server
       agrees (a payment seen just in time still counts and turns it to processing). */
    if (status === "pending" && isExpired()) status = "expired";
    var lateUnderpaid = status === "underpaid" && isExpired();
    var box = $("status");
    box.setAttribute("data-status", status);
    var text = "", extra = "";
    if (status === "pending") text = m.statusPending;
    else if (status === "processing") text = fmt(m.statusProcessing, { x: s.confirmations || 0, n: s.confirmations_required || d.confirmationsRequired });
    else if (status === "completed") text = m.statusCompleted;
    else if (status === "expired") text = m.statusExpired;
    else if (status === "underpaid" && lateUnderpaid) text = fmt(m.expiredUnderpaid, { paid: s.amount_paid, amount: d.amount, merchant: d.merchant });
    else if (status === "underpaid") {
      text = fmt(m.statusUnderpaid, { paid: s.amount_paid, amount: d.amount });
      extra = fmt(m.stillDue, { due: usd(due(s)) });
    }
    if ($("status-text").textContent !== text) $("status-text").textContent = text;
    renderTxs(s.payments, status);
    var ex = $("status-extra");
    if (ex.textContent !== extra) ex.textContent = extra;
    ex.hidden = extra === "";
    $("next").hidden = !(status === "expired" || lateUnderpaid);
    $("next-text").hidden = status !== "expired";
    var conf = $("conf");
    conf.hidden = status !== "processing";
    conf.max = Math.max(1, s.confirmations_required || d.confirmationsRequired || 1);
    conf.value = Math.min(s.confirmations || 0, conf.max);
    /* The deadline matters only while something is to be paid. */
    var timer = $("timer");
    if (timer) timer.hidden = !(status === "pending" || (status === "underpaid" && !lateUnderpaid));
    var pay = $("pay");
    var payable = (status === "pending" || status === "underpaid") && !isExpired();
    if (pay) {
      if (status === "expired" || lateUnderpaid) pay.parentNode.removeChild(pay);
      else pay.hidden = !payable;
    }
    if (status === "completed") startRedirect();
    if (s.status === "expired" || status === "completed" || lateUnderpaid) stop();
  };

  var startRedirect = function () {
    if (redirecting || !d.redirectUrl || !/^https?:/i.test(d.redirectUrl)) return;
    redirecting = true;
    var p = $("redirect");
    var left = Math.ceil(d.redirectDelayMs / 1000);
    var show = function () { $("redirect-text").textContent = fmt(m.redirecting, { merchant: d.merchant, s: left }); };
    show();
    p.hidden = false;
    var t = setInterval(function () { left = Math.max(0, left - 1); show(); }, 1000);
    setTimeout(function () { clearInterval(t); window.location.assign(d.redirectUrl); }, d.redirectDelayMs);
  };

  var stop = function () {
    stopped = true;
    if (pollTimer) clearTimeout(pollTimer);
    if (source) source.close();
  };

  /* The QR codes and token amounts are rendered by the server: when what is due changes, reload once. */
  var needsReload = function (s) {
    /* Paid with nowhere to return to: reload once for the server-rendered receipt. */
    if (s.status === "completed" && d.status !== "completed" && !d.redirectUrl) return once("completed");
    if (s.amount_paid === d.amountPaid) return false;
    if (!((s.status === "underpaid" || s.status === "pending") && !isExpired())) return false;
    return once(s.status + ":" + s.amount_paid);
  };
  var once = function (what) {
    var key = "inzi-reload:" + d.statusUrl + ":" + what;
    try {
      if (sessionStorage.getItem(key)) return false;
      sessionStorage.setItem(key, "1");
    } catch (e) { return false; }
    return true;
  };

  /* One status update, from the stream or from a poll. */
  var handle = function (s) {
    if (!s || typeof s.status !== "string") return;
    if (typeof s.expires_at === "string" && !isNaN(Date.parse(s.expires_at))) expiresAt = Date.parse(s.expires_at);
    if (needsReload(s)) { stop(); window.location.reload(); return; }
    state = s;
    render(s);
  };

  /* Pushed status (server-sent events) while the stream is open; polling otherwise. */
  var streaming = false, source = null;
  var listen = function () {
    if (!d.eventsUrl || typeof window.EventSource !== "function") return;
    try { source = new EventSource(d.eventsUrl); } catch (e) { return; }
    source.addEventListener("open", function () { streaming = true; if (pollTimer) clearTimeout(pollTimer); });
    source.addEventListener("status", function (e) {
      var s = null;
      try { s = JSON.parse(e.data); } catch (err) { return; }
      handle(s);
    });
    source.addEventListener("error", function () {
      /* Refused, cut or ended: poll from here on (the server ends the stream once the checkout is final). */
      source.close();
      streaming = false;
      if (!stopped) { if (pollTimer) clearTimeout(pollTimer); pollTimer = setTimeout(poll, 0); }
    });
  };

  var inFlight = false;
  var poll = function () {
    if (stopped || inFlight || streaming) return;
    inFlight = true;
    if (pollTimer) clearTimeout(pollTimer);
    fetch(d.statusUrl, { cache: "no-store", credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404) { stop(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(handle)
      .catch(function () {})
      .then(function () {
        inFlight = false;
        if (!stopped && !streaming) pollTimer = setTimeout(poll, d.pollMs);
      });
  };
  /* Background tabs have their timers throttled: ask again as soon as the customer comes back. */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") poll();
  });

  /* ---------- countdown ---------- */
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var tick = function () {
    var left = Math.max(0, Math.ceil((expiresAt - (Date.now() + skew)) / 1000));
    var el = $("countdown");
    if (el) {
      var h = Math.floor(left / 3600), mi = Math.floor((left % 3600) / 60), se = left % 60;
      el.textContent = left === 0 ? m.expiredShort : (h > 0 ? h + ":" + pad(mi) : mi) + ":" + pad(se);
    }
    if (left === 0) {
      clearInterval(tickTimer);
      render(state);
    }
  };

  render(state);
  if (d.status !== "completed" && d.status !== "expired") {
    tickTimer = setInterval(tick, 1000);
    tick();
  }
  if (!stopped) { pollTimer = setTimeout(poll, d.pollMs); listen(); }
})();`

/**
 * What the page ships: {@link SOURCE} without its comments (none of its strings or regular expressions
 * contains a comment opener) and without leading indentation.
 */
export const CLIENT_SCRIPT = SOURCE.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\n[ \t]+/g, "\n")
