// Sending the study page's answers: each is written to IndexedDB first
// (study-store.js), then sent; it leaves the device only once the server
// answered 200 or 201 for it. One request at a time, in the order answered:
// one answer alone, several (after the network was down) as one list, which
// the server applies in reviewed_at order and answers item by item. The same
// client_review_id sent again gets the first result, so an answer whose reply
// was lost is sent again safely and arrives once.
// A refusal (409: answered elsewhere; 400/404: it cannot be applied) drops
// that answer and is reported; it is not sent again. A network failure, a
// server error (5xx, 429) or a lost session (401, 403) keeps the answers and
// tries again later: on the online event, and on a timer (2 s, doubling to
// 30 s) because that event is not reliable.
// Also here: the page's one fetch helper (CSRF token from the cookie, so a
// page kept offline still sends a valid one; a time limit; the server's clock
// from the Date header, so reviewed_at is not refused as in the future).
(function () {
  "use strict";
  var REQUEST_MS = 20000;
  var MAX_PER_REQUEST = 100;
  var clockOffset = 0;  // server time minus this device's, when it is off by more than 30 s

  function cookie(name) {
    var found = document.cookie.split(";").map(function (c) { return c.trim(); })
      .filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function api(method, url, body, formToken) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, REQUEST_MS);
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": cookie("csrftoken") || formToken || "",
        Accept: "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      clearTimeout(timer);
      var server = Date.parse(response.headers.get("Date") || "");
      if (!isNaN(server)) {
        var off = server - Date.now();
        clockOffset = Math.abs(off) > 30000 ? off : 0;
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    }, function (error) { clearTimeout(timer); throw error; });
  }

  function pad(n, width) { return String(n).padStart(width || 2, "0"); }

  // Now, in ISO 8601 with this device's offset (the server stores UTC).
  function nowIso() {
    var d = new Date(Date.now() + clockOffset);
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." +
      pad(d.getMilliseconds(), 3) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function kept(status) { return status === 401 || status === 403 || status === 408 || status === 429 || status >= 500; }

  // options: store, url, token() (the form's CSRF token), onConfirmed(record,
  // result), onRefused([{record, status, message}]), onChange(), onDrained(),
  // probe(timer) (nothing waits: the network is back, or the timer asks).
  function create(options) {
    var records = [];       // waiting answers, oldest first
    var flight = null;      // the request in flight
    var waiters = [];       // called when no request is in flight
    var again = false;
    var problem = null;     // null, "offline", "server" or "auth"
    var retryTimer = null;
    var delay = 2000;
    var lastConfirmed = 0;  // the answerSeq of the newest confirmed answer

    function setProblem(next) {
      if (next === problem) return;
      problem = next;
      options.onChange();
    }

    function schedule() {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () {
        retryTimer = null;
        if (records.length) flush(); else if (problem === "offline") options.probe(true);
      }, delay);
      delay = Math.min(delay * 2, 30000);
    }

    function forget(record) {
      records = records.filter(function (r) { return r !== record; });
      if (record.seq) options.store.removeAnswer(record.seq, null).catch(function () { return null; });
    }

    function message(item) {
      var e = item && item.error;
      return e ? e.message : "";
    }

    // One reply, for the records sent: what stays, what goes.
    function settle(chunk, r) {
      var refused = [];
      var list = Array.isArray(chunk.body);
      var items = list && r.status === 200 && r.data && r.data.results;
      if (list && !items && !kept(r.status)) {
        chunk.single = true;  // a refused list: send one by one, to find the bad one
        setProblem("server");
        return refused;
      }
      chunk.records.forEach(function (record, i) {
        var status = items ? items[i].status : r.status;
        var body = items ? items[i] : r.data;
        if (status === 200 || status === 201) {
          forget(record);
          lastConfirmed = Math.max(lastConfirmed, record.answerSeq || 0);
          options.onConfirmed(record, body);
        } else if (kept(status)) {
          setProblem(status === 401 || status === 403 ? "auth" : "server");
        } else {
          forget(record);
          refused.push({ record: record, status: status, message: message(body) });
        }
      });
      return refused;
    }

    var singleMode = false; // a list was refused: send one by one
    var leaving = false;    // the page is being left: the next one sends

    function flush() {
      if (leaving) return Promise.resolve();
      if (flight) { again = true; return flight; }
      var ready = records.filter(function (r) { return r.saved; });
      if (!ready.length) return Promise.resolve();
      var take = ready.slice(0, singleMode ? 1 : MAX_PER_REQUEST);
      var chunk = {
        records: take,
        body: take.length === 1 ? take[0].body : take.map(function (r) { return r.body; }),
      };
      take.forEach(function (r) { r.sending = true; });
      flight = api("POST", options.url, chunk.body, options.token()).then(function (r) {
        var before = problem;
        if (!kept(r.status)) problem = null;
        var refused = settle(chunk, r);
        singleMode = !!chunk.single;
        if (problem === null) delay = 2000;
        if (before !== problem) options.onChange();
        if (refused.length) options.onRefused(refused);
      }, function () {
        setProblem("offline");
      }).catch(function () {
        setProblem("server");  // a reply not understood: kept, tried again
      }).then(function () {
        take.forEach(function (r) { r.sending = false; });
        flight = null;
        var calls = waiters;
        waiters = [];
        calls.forEach(function (fn) { fn(); });
        var more = records.some(function (r) { return r.saved; });
        if (problem && records.length) schedule();
        else if ((again || more) && records.length) { again = false; flush(); return; }
        again = false;
        options.onChange();
        if (!records.length) options.onDrained();
      });
      return flight;
    }

    var sync = {
      api: api,
      // Answers kept from an earlier visit (already in IndexedDB).
      load: function (rows) {
        rows.forEach(function (row) { row.saved = true; records.push(row); });
      },
      // A new answer: kept on the device, then sent.
      add: function (record, batch) {
        leaving = false;  // still here after all (a cancelled navigation)
        records.push(record);
        options.onChange();
        options.store.addAnswer({ card: record.card, body: record.body, answerSeq: record.answerSeq }, batch)
          .then(function (seq) { record.seq = seq; }, function () { record.seq = null; })
          .then(function () { record.saved = true; flush(); });
      },
      // Whether a waiting answer may be taken back now (not while it is
      // being written or sent).
      movable: function (record) { return !record.sending && !!record.saved; },
      // Take back a waiting answer (undo), with the batch that has its card.
      remove: function (record, batch) {
        if (record.sending || !record.saved) return false;
        records = records.filter(function (r) { return r !== record; });
        if (record.seq) options.store.removeAnswer(record.seq, batch).catch(function () { return null; });
        else if (batch) options.store.saveBatch(batch).catch(function () { return null; });
        options.onChange();
        return true;
      },
      flush: flush,
      // A page being left starts no request (the answers stay on the device
      // for the next page); one restored from the back-forward cache, or
      // given a new answer, resumes.
      leave: function () { leaving = true; clearTimeout(retryTimer); retryTimer = null; },
      resume: function () { if (leaving) { leaving = false; flush(); } },
      // The newest waiting answer, unless a newer one was confirmed since.
      last: function () {
        var record = records[records.length - 1];
        return record && (record.answerSeq || 0) >= lastConfirmed ? record : null;
      },
      records: function () { return records.slice(); },
      waiting: function () { return records.length; },
      settled: function () {
        if (!flight && !records.some(function (r) { return !r.saved; })) return Promise.resolve();
        return new Promise(function (resolve) {
          if (flight) waiters.push(resolve);
          else setTimeout(resolve, 50);
        });
      },
      problem: function () { return problem; },
      // The status line's words for the waiting answers ("" when nothing is wrong).
      line: function () {
        var n = records.length;
        var answers = n + (n === 1 ? " answer" : " answers");
        if (sync.offline()) {
          return n ? "Offline: " + answers + " waiting. They are sent when the network is back."
            : "Offline: your answers are kept on this device until the network is back.";
        }
        if (n && problem === "auth") return answers + " waiting: sign in again to send them; they are kept on this device.";
        if (n && problem === "server") return answers + " waiting: the server did not take them yet; trying again.";
        return "";
      },
      offline: function () { return problem === "offline" || navigator.onLine === false; },
      // What the page learned from its own requests.
      reachable: function () {
        if (problem === "offline") { setProblem(null); delay = 2000; if (records.length) flush(); }
      },
      unreachable: function () {
        setProblem("offline");
        if (!retryTimer) schedule();
      },
      online: function () {
        delay = 2000;
        if (problem === "offline") problem = null;
        options.onChange();
        if (records.length) flush(); else options.probe(false);
      },
    };
    window.addEventListener("online", sync.online);
    window.addEventListener("offline", options.onChange);
    // Leaving (a reload, a link): the next page sends what waits.
    window.addEventListener("beforeunload", sync.leave);
    window.addEventListener("pagehide", sync.leave);
    window.addEventListener("pageshow", function (e) { if (e.persisted) sync.resume(); });
    return sync;
  }

  // One sentence for refused answers ([{status, message}]).
  function refusal(items) {
    var why = items.map(function (item) {
      return item.status === 409 ? "its card was answered elsewhere (another tab or device)"
        : item.message || "the server refused it (" + item.status + ")";
    }).filter(function (w, i, all) { return all.indexOf(w) === i; }).join("; ");
    return (items.length === 1 ? "An answer was not saved: " : items.length + " answers were not saved: ") + why + ".";
  }

  window.StudySync = { create: create, api: api, nowIso: nowIso, refusal: refusal };
})();
