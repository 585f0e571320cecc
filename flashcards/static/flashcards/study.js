// The review page: drives the JSON API with fetch.
// Space/Enter shows the answer, 1-4 rate, u undoes: only while focus is in
// the study area (or nowhere), never on a link, a summary, an answer box or a
// button other than a rating, never with Ctrl/Alt/Meta, and not at all when
// the learner turned the shortcuts off (data-shortcuts="off", WCAG 2.1.4).
// Each new card moves focus to its question (typed cards: to the first answer
// box, described by the question); the answer and any grading result go to
// one polite live region before focus moves to the ratings (typed cards: to
// the suggested rating, Again when wrong); the end of a session focuses its
// summary.
// Every answer carries a fresh client_review_id, so a retry after a network
// error is applied once, and the card's version, so an answer from a stale
// tab gets a 409.
// A batch: the page loads the next BATCH cards and shows the next one at
// once after each answer, which is kept on the device and sent behind it
// (study-sync.js). The batch loads again in the background when few are left
// and the server has more, when it runs out (learning cards answered Again
// come back so, once due), after an undo by the server, a refused answer, and
// when the network is back. Counts change with each answer and each load.
// Offline: the page goes on through the batch kept in IndexedDB
// (study-store.js; a reload restores it, the service worker keeping the
// page), the status line says how many answers wait, and the live region
// says so once when the network goes. Typed and parametric cards need the
// server to check the answer: offline they are set aside until it is back.
// Undo takes back the newest answer still on the device; one the server has
// is undone by the server. Times show in the learner's account zone, as this
// browser writes a time (study-offline.js).
(function () {
  "use strict";
  var root = document.getElementById("study");
  if (!root) return;

  function $(role) { return root.querySelector('[data-role="' + role + '"]'); }
  var els = {
    card: $("card"), front: $("front"), back: $("back"), divider: $("divider"),
    typed: $("typed"), typedResult: $("typed-result"), show: $("show"),
    ratings: $("ratings"), status: $("status"), undo: $("undo"), summary: $("summary"),
    intro: $("intro"), parts: $("parts"), question: $("question"), announcer: $("announce"),
    paused: $("paused"), pausedText: $("paused-text"),
  };
  var input = els.typed.querySelector("input");
  var deck = root.dataset.deck || null;
  var formToken = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var shortcuts = root.dataset.shortcuts !== "off";
  var BATCH = 10;        // cards loaded at once
  var clockText = window.StudyOffline.clock(root.dataset.timeZone);

  var q = window.StudyBatch.create(deck || "all");  // the cards; q.cards[0] is on screen
  var current = null;    // the card on screen
  var revealed = false;
  var shownAt = 0;
  var busy = false;
  var answered = 0;      // answers this page can undo
  var store = null;      // study-store.js
  var sync = null;       // study-sync.js
  var message0 = { text: "", error: false };  // what the status line shows first
  var saidOffline = false;
  var sentBack = 0;      // answers that waited for the network, said once sent
  var stats = { answered: 0, again: 0, typed: 0, typedRight: 0, started: Date.now() };
  var nextTimer = null, learnTimer = null, learnAt = 0;  // loads for learning cards that come back
  var acted = false;     // the learner answered or undid something on this page
  var keepAnnouncement = false;  // the next card leaves the live region as is

  var el = window.StudyParts.el, uuid = window.StudyParts.uuid, spoken = window.StudyParts.spoken;

  function gradeUrl(cardId) { return root.dataset.gradeUrl.replace("/0/", "/" + cardId + "/"); }

  function api(method, url, body) { return window.StudySync.api(method, url, body, formToken); }

  // The visible status line: a message first (errors are also said), else
  // where the waiting answers and the set-aside cards stand.
  function loadingDone() { if (message0.text === "Loading…") setStatus(""); }

  function setStatus(text, isError) {
    message0 = { text: text || "", error: !!isError };
    renderStatus();
    if (isError && text) announce(text);
  }

  function renderStatus() {
    var text = message0.text || [sync ? sync.line() : "", q.asideLine()].filter(Boolean).join(" ");
    els.status.textContent = text;
    els.status.classList.toggle("error", !!(message0.text && message0.error));
    els.status.classList.toggle("offline", !message0.text && !!text);
  }

  // The one live region (it stays in the page; only its text changes).
  function announce(text) { els.announcer.textContent = text || ""; }

  // Focus goes where the page puts it only while the learner is here: on the
  // study area or nowhere, not on the menu or a link they moved to.
  function focusIsHere() {
    var active = document.activeElement;
    return !active || active === document.body || active === document.documentElement || root.contains(active);
  }

  function setCounts(counts) {
    ["new", "learning", "review"].forEach(function (k) {
      root.querySelector('[data-count="' + k + '"]').textContent = counts[k];
    });
  }

  function renderMath(el) { if (window.studyRenderMath) window.studyRenderMath(el); }

  function needsServer(card) { return !!(card.typed || card.variant); }

  function saveBatch() { if (store) store.saveBatch(q.record()).catch(function () { return null; }); }

  function waitingIds() {
    var ids = {};
    sync.records().forEach(function (r) { ids[r.card.id] = true; });
    return ids;
  }

  function queueUrl(limit) {
    var url = root.dataset.queueUrl + "?limit=" + limit;
    return deck ? url + "&deck=" + encodeURIComponent(deck) : url;
  }

  // The next cards (study-batch.js: after the waiting answers). reset: the
  // reply's first card replaces the one on screen (after an undo the server
  // made).
  var loader = window.StudyBatch.loader({
    api: api, url: function () { return queueUrl(BATCH); }, batch: q,
    sync: function () { return sync; },
    loaded: function (data, since, opts) {
      loadingDone();
      if (opts.reset) current = null;
      q.apply(data, since, waitingIds(), current);
      setCounts(q.counts);
      saveBatch();
      renderStatus();
      clearTimeout(nextTimer);
      if (!current) { if (q.cards.length) showNext(); else finish(q.nextDue); }
    },
    failed: function (r) {
      if (r) setStatus(message(r), true);
      else if (!q.loaded) restore();
      else if (!current) showNext();
    },
  });
  var refill = loader.load;

  // Without the network: the batch this device kept.
  function restore() {
    if (q.loaded) return;
    q.loaded = true;
    loadingDone();
    store.batch(q.record().scope).catch(function () { return null; }).then(function (kept) {
      if (current) return;
      q.restore(kept, waitingIds());
      setCounts(q.counts);
      renderStatus();
      showNext();
    });
  }

  // The next card of the batch; offline, the cards that need the server to
  // check the answer are set aside first.
  function showNext() {
    var offline = sync.offline();
    var setAside = offline ? q.setAsideHead(needsServer) : 0;
    if (setAside) saveBatch();
    if (q.cards.length) {
      showCard(q.cards[0]);
      if (setAside) announce(q.asideLine());
    } else {
      current = null;
      hideCard();
      if (offline) paused(); else if (!loader.running()) { setStatus("Loading…"); refill(); }
    }
    renderStatus();
    if (!offline && q.low()) refill();
  }

  function hideCard() {
    els.card.hidden = true;
    els.show.hidden = true;
    els.ratings.hidden = true;
  }

  // Offline with no card left on this device.
  function paused() {
    var moveFocus = acted && focusIsHere();
    loadingDone();
    els.intro.hidden = true;
    els.summary.hidden = true;
    els.pausedText.textContent = q.pausedLine(stats.answered || sync.waiting());
    if (!sync.waiting()) sync.unreachable();  // nothing to send: the timer asks for cards
    els.paused.hidden = false;
    if (moveFocus) els.paused.focus();
  }

  function showCard(card) {
    var moveFocus = focusIsHere();
    if (!keepAnnouncement) announce("");
    keepAnnouncement = false;
    current = card;
    revealed = false;
    shownAt = Date.now();
    els.intro.hidden = true;
    els.summary.hidden = true;
    els.paused.hidden = true;
    els.card.hidden = false;
    els.front.innerHTML = card.front;
    els.back.innerHTML = card.back;
    els.back.hidden = true;
    els.divider.hidden = true;
    typed.build(card);
    typed.showRatings(["1", "2", "3", "4"]);
    els.typed.hidden = !card.typed;
    input.value = "";
    input.disabled = false;
    input.readOnly = false;
    els.typed.removeAttribute("aria-busy");
    els.typedResult.textContent = "";
    els.typedResult.className = "typed-result";
    els.ratings.hidden = true;
    els.show.hidden = false;
    ["1", "2", "3", "4"].forEach(function (k) {
      root.querySelector('[data-interval="' + k + '"]').textContent = card.intervals[k].label;
    });
    renderMath(els.card);
    if (!moveFocus) return;
    // A screen reader reads the question: the region is named by it, and
    // each answer box is described by it.
    var first = els.parts.querySelector("[data-part]");
    if (card.variant && first) first.focus();
    else if (card.typed) input.focus(); else els.question.focus();
  }

  // After the answer and any result are said, focus moves to the ratings: the
  // group (basic cards) or the suggested button (typed: Again when wrong).
  function focusRatings(suggested) {
    var button = suggested && els.ratings.querySelector('[data-rating="' + suggested + '"]');
    if (button && !button.hidden) button.focus(); else els.ratings.focus();
  }

  function showBack() {
    els.back.hidden = false;
    els.divider.hidden = false;
    els.show.hidden = true;
    els.ratings.hidden = false;
    renderMath(els.back);
  }

  function reveal() {
    if (!current || revealed) return;
    acted = true;
    if (current.variant || current.typed) { typed.reveal(current); return; }
    revealed = true;
    showBack();
    announce("Answer: " + spoken(els.back));
    focusRatings(null);
  }

  function message(r) {
    var e = r.data && r.data.error;
    return e ? e.message : "Something went wrong (" + r.status + ").";
  }

  var typed = window.StudyTyped.create({
    els: els, input: input, el: el, api: api, gradeUrl: gradeUrl, message: message,
    setStatus: setStatus, announce: announce, spoken: spoken, renderMath: renderMath,
    focusIsHere: focusIsHere, focusRatings: focusRatings, showBack: showBack,
    setAsideOffline: setAsideOffline,
    current: function () { return current; },
    busy: function () { return busy; },
    setBusy: function (value) { busy = value; },
    revealed: function (result) { revealed = true; stats.typed += 1; if (result.correct) stats.typedRight += 1; },
  });

  // Offline, a check that could not reach the server sets its card aside
  // (it comes back with the network); online the learner tries again.
  function setAsideOffline(card) {
    if (!sync.offline() || card !== current) return false;
    q.setAside(card);
    current = null;
    saveBatch();
    keepAnnouncement = true;
    setStatus("");
    announce("This card needs the network to check the answer; it comes back when you are online.");
    showNext();
    return true;
  }

  function rate(rating) {
    if (!current || !revealed || busy) return;
    var card = current;
    var body = {
      card: card.id,
      rating: rating,
      client_review_id: uuid(),
      version: card.version,
      duration_ms: Math.min(Date.now() - shownAt, 86400000),
      reviewed_at: window.StudySync.nowIso(),
    };
    var result = typed.graded();
    if (card.variant) {
      // The server grades again: wrong is Again, right is Hard/Good/Easy.
      if (result && !result.correct) body.rating = 1;
      else if (rating === 1) return;
      body.variant = card.variant.token;
      body.answers = typed.answers();
    } else {
      // The text the server graded; it grades it again for the log.
      body.answer = card.typed ? typed.answerText() : "";
    }
    acted = true;
    setStatus("");
    stats.answered += 1;
    if (body.rating === 1) stats.again += 1;
    answered += 1;
    els.undo.hidden = false;
    var seq = q.answered(card);
    setCounts(q.counts);
    current = null;
    sync.add({ card: card, body: body, answerSeq: seq }, q.record());
    showNext();
  }

  // Undo: the newest answer still on this device is taken back here (its card
  // comes back first); one the server has is undone by the server.
  function undo() {
    if (busy || !answered) return;
    acted = true;
    var last = sync.last();
    if (last && !sync.movable(last)) {
      busy = true;  // being sent: undo once the server answered
      sync.settled().then(function () { busy = false; undo(); });
      return;
    }
    if (last) {
      q.unanswered(last.answerSeq, last.card);
      setCounts(q.counts);
      current = null;
      sync.remove(last, q.record());
      undone(last.body.rating === 1);
      showNext();
      return;
    }
    if (sync.offline()) { setStatus("Undo needs the network: the server has your last answer.", true); return; }
    busy = true;
    api("POST", root.dataset.undoUrl, {}).then(function (r) {
      busy = false;
      if (!r.ok) { setStatus(message(r), true); return; }
      undone(r.data.review && r.data.review.rating === 1);
      refill({ reset: true });
    }, function () { busy = false; sync.unreachable(); setStatus("Could not reach the server.", true); });
  }

  function undone(wasAgain) {
    answered -= 1;
    stats.answered = Math.max(0, stats.answered - 1);
    if (wasAgain) stats.again = Math.max(0, stats.again - 1);
    els.undo.hidden = answered <= 0;
    setStatus("");
    announce("Last answer undone; its card comes back.");
    keepAnnouncement = true;
  }

  function finish(nextDue) {
    var moveFocus = acted && focusIsHere();
    current = null;
    hideCard();
    els.paused.hidden = true;
    els.summary.hidden = false;
    var minutes = Math.round((Date.now() - stats.started) / 60000);
    els.summary.querySelector('[data-summary="answered"]').textContent = stats.answered;
    els.summary.querySelector('[data-summary="again"]').textContent = stats.again;
    els.summary.querySelector('[data-summary="typed"]').textContent =
      stats.typed ? stats.typedRight + " of " + stats.typed : "–";
    els.summary.querySelector('[data-summary="time"]').textContent = minutes + " min";
    var next = els.summary.querySelector('[data-summary="next"]');
    clearTimeout(nextTimer);
    if (nextDue) {
      next.textContent = "A learning card comes back at ";
      next.appendChild(el("time", { datetime: nextDue }, clockText(nextDue)));
      next.appendChild(document.createTextNode("; this page will show it."));
      nextTimer = setTimeout(refill, Math.max(1000, new Date(nextDue) - Date.now() + 500));
    } else {
      next.textContent = "Nothing more is due today.";
    }
    // The summary is named by its heading, "Session done".
    if (moveFocus) els.summary.focus();
  }

  // The server took an answer. A card it put in learning comes back with a
  // load once due; siblings it buried for today leave the batch (one this
  // page did not hold may have been counted: the next load says).
  function confirmed(record, result) {
    if (saidOffline) sentBack += 1;
    var wait = q.dueIn(result && result.memory);
    if (wait !== null && (!learnAt || Date.now() + wait < learnAt)) {
      clearTimeout(learnTimer);
      learnAt = Date.now() + wait;
      learnTimer = setTimeout(function () { learnAt = 0; if (current) refill(); }, wait);
    }
    var buried = (result && result.buried_siblings) || [];
    if (!buried.length) return;
    if (q.bury(buried, current)) loader.want();
    setCounts(q.counts);
    saveBatch();
    renderStatus();
  }

  // The server refused answers (they are not sent again): say so, and load
  // the cards again (a 409: another tab or device answered first).
  function refused(items) {
    items.forEach(function (item) {
      q.unanswered(item.record.answerSeq, null);
      answered = Math.max(0, answered - 1);
      stats.answered = Math.max(0, stats.answered - 1);
      if (item.record.body.rating === 1) stats.again = Math.max(0, stats.again - 1);
    });
    els.undo.hidden = answered <= 0;
    keepAnnouncement = true;
    setStatus(window.StudySync.refusal(items) + " The cards are loaded again.", true);
    loader.want();
  }

  // The network went or came back, or the waiting answers changed.
  function changed() {
    var offline = sync.offline();
    if (offline && !saidOffline) {
      saidOffline = true;
      announce(sync.line());
      if (!q.loaded) restore(); else if (!current && els.paused.hidden) showNext();
    } else if (!offline && saidOffline && !sync.waiting() && !sentBack) {
      saidOffline = false;  // back, with nothing to send (drained() says what was sent)
    }
    renderStatus();
  }

  // Every answer reached the server.
  function drained() {
    if (!sync.offline() && saidOffline) {
      saidOffline = false;
      // A refusal, said already, is not talked over.
      if (sentBack && !message0.error) {
        announce("Back online: " + sentBack + (sentBack === 1 ? " waiting answer" : " waiting answers") + " sent.");
        keepAnnouncement = true;
      }
      sentBack = 0;
      if (q.aside.length || !q.cards.length) loader.want();
    }
    renderStatus();
    loader.next();
  }

  // Nothing waits: when the network is back (online event), cards are loaded
  // if the page needs them; while it is down (the timer), a load tells
  // whether it is back.
  function probe(timer) { if (!loader.running() && (timer || !q.cards.length || q.aside.length)) refill(); }

  els.show.addEventListener("click", reveal);
  els.undo.addEventListener("click", undo);
  els.ratings.addEventListener("click", function (e) {
    var button = e.target.closest("[data-rating]");
    if (button) rate(Number(button.dataset.rating));
  });
  els.typed.addEventListener("submit", function (e) { e.preventDefault(); reveal(); });

  if (shortcuts) {
    window.StudyParts.bindKeys({
      root: root, ratings: els.ratings,
      canReveal: function () { return !!current && !revealed; }, reveal: reveal,
      canRate: function () { return revealed; }, rate: rate,
      canUndo: function () { return answered > 0; }, undo: undo,
    });
  }

  // Times the server wrote in the learner's zone, as this browser writes them.
  root.querySelectorAll("time[data-clock]").forEach(function (t) { t.textContent = clockText(t.dateTime); });

  function start(kept) {
    store = kept;
    sync = window.StudySync.create({
      store: store, url: root.dataset.reviewUrl, token: function () { return formToken; },
      onConfirmed: confirmed, onRefused: refused, onChange: changed, onDrained: drained, probe: probe,
    });
    window.StudyOffline.guardLogout({
      logoutPath: root.dataset.logoutUrl,
      waiting: function () { return sync.waiting(); },
      forget: function () { return store.forget(); },
    });
    store.outbox().catch(function () { return []; }).then(function (rows) {
      sync.load(rows);
      rows.forEach(function (row) { q.seq = Math.max(q.seq, row.answerSeq || 0); });
      answered = rows.length;
      els.undo.hidden = answered <= 0;
      if (sync.offline()) changed(); else refill();
    });
  }

  setStatus("Loading…");
  window.StudyOffline.register(root);
  window.StudyStore.forgetOthers(root.dataset.user);
  window.StudyStore.open(root.dataset.user).then(start);
})();
