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
// Typed cards are graded by the server, never here (one number reader, the
// server's): a numeric card's typed text goes to the grade API, which answers
// with the verdict, the feedback and the answer side (the queue does not send
// the answer before); the page shows what it says, and the review carries the
// same text, which the server grades again for the log. While a check is in
// flight nothing is sent twice; if it fails, the typed answer stays and the
// learner checks again.
// Parametric cards show a fresh problem variant: the typed answers go to the
// grade API first (the server grades); wrong can only be rated Again, right
// offers Hard, Good or Easy (Enter: Good); the review carries the variant
// token and the answers, and the server grades them again.
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
  };
  var input = els.typed.querySelector("input");
  var deck = root.dataset.deck || null;
  var csrf = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var shortcuts = root.dataset.shortcuts !== "off";
  var QUESTION_ID = els.front.id;

  var queue = [];        // cards from the API, head first
  var current = null;    // the card on screen
  var revealed = false;
  var shownAt = 0;
  var busy = false;
  var pending = null;    // a review whose request failed, to retry as is
  var answered = 0;
  var stats = { answered: 0, again: 0, typed: 0, typedRight: 0, started: Date.now() };
  var nextTimer = null;
  var graded = null;     // a typed card's grade result from the server, once revealed
  var acted = false;     // the learner answered or undid something on this page
  var keepAnnouncement = false;  // the next card leaves the live region as is

  function gradeUrl(cardId) { return root.dataset.gradeUrl.replace("/0/", "/" + cardId + "/"); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function buildParts(card) {
    els.parts.textContent = "";
    els.parts.hidden = !card.variant;
    input.parentNode.hidden = !!card.variant;
    if (!card.variant) return;
    card.variant.parts.forEach(function (part, i) {
      var id = "part-" + part.key;
      var row = el("div", { "class": "field" });
      row.appendChild(el("label", { "for": id }, part.label + (part.unit ? " (" + part.unit + ")" : "")));
      var field;
      if (part.choices) {
        field = el("select", { id: id, name: part.key });
        field.appendChild(el("option", { value: "" }, "—"));
        part.choices.forEach(function (c) { field.appendChild(el("option", { value: c }, c)); });
      } else {
        field = el("input", { id: id, name: part.key, autocomplete: "off", inputmode: "text" });
      }
      field.dataset.part = part.key;
      field.dataset.label = part.label;
      field.setAttribute("aria-describedby", QUESTION_ID);
      row.appendChild(field);
      row.appendChild(el("p", { "class": "typed-result", "data-part-result": part.key }));
      els.parts.appendChild(row);
    });
    els.parts.appendChild(el("button", { type: "submit", "class": "button" }, "Check"));
  }

  function partAnswers() {
    var answers = {};
    els.parts.querySelectorAll("[data-part]").forEach(function (f) { answers[f.dataset.part] = f.value; });
    return answers;
  }

  function showRatings(which) {
    ["1", "2", "3", "4"].forEach(function (k) {
      var b = els.ratings.querySelector('[data-rating="' + k + '"]');
      if (b) b.hidden = which.indexOf(k) < 0;
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  // The visible status line; errors are also said.
  function setStatus(text, isError) {
    els.status.textContent = text || "";
    els.status.classList.toggle("error", !!isError);
    if (isError && text) announce(text);
  }

  // The one live region (it stays in the page; only its text changes).
  function announce(text) { els.announcer.textContent = text || ""; }

  // What a screen reader would read of a node, as one line: image alt text,
  // formulas as their TeX, nothing hidden from it.
  function spoken(node) {
    var out = [];
    (function walk(n) {
      if (n.nodeType === 3) { out.push(n.nodeValue); return; }
      if (n.nodeType !== 1 && n.nodeType !== 11) return;
      if (n.nodeType === 1) {
        if (n.hidden || n.getAttribute("aria-hidden") === "true") return;
        var tag = n.tagName.toUpperCase();
        if (tag === "SCRIPT" || tag === "STYLE") return;
        if (tag === "IMG") { out.push(" " + (n.getAttribute("alt") || "") + " "); return; }
        if (tag === "MATH") {
          var tex = n.querySelector("annotation");
          out.push(" " + (tex ? tex.textContent : n.textContent) + " ");
          return;
        }
      }
      out.push(" ");
      for (var c = n.firstChild; c; c = c.nextSibling) walk(c);
      out.push(" ");
    })(node);
    return out.join("").replace(/\\[()[\]]/g, " ").replace(/\s+/g, " ").trim();
  }

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

  function applyQueue(data) {
    setCounts(data.counts);
    queue = data.cards || [];
    clearTimeout(nextTimer);
    if (queue.length) { showCard(queue[0]); return; }
    finish(data.next_learning_due);
  }

  function queueUrl(limit) {
    var url = root.dataset.queueUrl + "?limit=" + limit;
    return deck ? url + "&deck=" + encodeURIComponent(deck) : url;
  }

  function load() {
    setStatus("Loading…");
    api("GET", queueUrl(2)).then(function (r) {
      if (!r.ok) { setStatus(message(r), true); return; }
      setStatus("");
      applyQueue(r.data);
    }, function () { setStatus("Offline? Could not load the cards.", true); });
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
    els.card.hidden = false;
    els.front.innerHTML = card.front;
    els.back.innerHTML = card.back;
    els.back.hidden = true;
    els.divider.hidden = true;
    graded = null;
    buildParts(card);
    showRatings(["1", "2", "3", "4"]);
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

  function revealParametric() {
    if (busy) return;
    busy = true;
    setStatus("Checking…");
    var card = current;
    api("POST", gradeUrl(card.id), { variant: card.variant.token, answers: partAnswers() }).then(function (r) {
      busy = false;
      if (card !== current) return;
      if (!r.ok) { setStatus(message(r), true); return; }
      setStatus("");
      graded = r.data;
      revealed = true;
      els.parts.querySelectorAll("[data-part]").forEach(function (f) { f.disabled = true; });
      var said = [];
      (graded.grades || []).forEach(function (g) {
        var out = els.parts.querySelector('[data-part-result="' + g.part + '"]');
        if (!out) return;
        var right = g.status === "correct";
        out.textContent = ((right ? "Right. " : "Wrong. ") + (g.feedback || "") +
          (right ? "" : " The answer is " + g.expected + ".")).replace(/\s+/g, " ").trim();
        out.className = "typed-result " + (right ? "right" : "wrong");
        var field = els.parts.querySelector('[data-part="' + g.part + '"]');
        said.push(((field && field.dataset.label) || g.part) + ": " + out.textContent);
      });
      var submit = els.parts.querySelector("button[type=submit]");
      if (submit) submit.hidden = true;
      els.back.innerHTML = graded.back;
      els.back.hidden = false;
      els.divider.hidden = false;
      els.show.hidden = true;
      els.ratings.hidden = false;
      stats.typed += 1;
      if (graded.correct) stats.typedRight += 1;
      showRatings(graded.correct ? ["2", "3", "4"] : ["1"]);
      renderMath(els.back);
      var solution = spoken(els.back);
      announce((graded.correct ? "Right: " : "Wrong: ") + said.join(" ") +
        (solution ? " Solution: " + solution : ""));
      if (focusIsHere()) focusRatings(graded.correct ? "3" : "1");
    }, function () { busy = false; setStatus("Could not reach the server.", true); });
  }

  // The server's verdict on a numeric card, as one line: its feedback, and
  // the answer when the feedback did not compare a number with it.
  function numericResult(g) {
    var text = g.feedback || "";
    if (!g.correct && g.value_in_card_unit === null && g.expected) {
      text += " The answer is " + g.expected + ".";
    }
    return text.replace(/\s+/g, " ").trim();
  }

  function revealNumeric() {
    if (busy) return;
    busy = true;
    var card = current;
    // Read-only, not disabled, while the check is in flight: the text graded
    // is the text logged, and focus stays in the box for a retry.
    input.readOnly = true;
    els.typed.setAttribute("aria-busy", "true");
    setStatus("Checking…");
    function settle() {
      busy = false;
      if (card !== current) return false;
      input.readOnly = false;
      els.typed.removeAttribute("aria-busy");
      return true;
    }
    api("POST", gradeUrl(card.id), { answer: input.value }).then(function (r) {
      if (!settle()) return;
      if (!r.ok) { setStatus(message(r), true); return; }
      setStatus("");
      graded = r.data;
      revealed = true;
      input.disabled = true;
      var result = numericResult(graded);
      els.typedResult.textContent = result;
      els.typedResult.className = "typed-result " + (graded.correct ? "right" : "wrong");
      stats.typed += 1;
      if (graded.correct) stats.typedRight += 1;
      els.back.innerHTML = graded.back || "";
      showBack();
      var answer = spoken(els.back);
      announce(result + (answer ? " Answer: " + answer : ""));
      if (focusIsHere()) focusRatings(graded.correct ? "3" : "1");
    }, function () {
      if (!settle()) return;
      setStatus("Could not reach the server to check your answer; it is still " +
        "in the box: press Enter there, or Show answer, to try again.", true);
    });
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
    if (current.variant) { revealParametric(); return; }
    if (current.typed) { revealNumeric(); return; }
    revealed = true;
    showBack();
    announce("Answer: " + spoken(els.back));
    focusRatings(null);
  }

  function message(r) {
    var e = r.data && r.data.error;
    return e ? e.message : "Something went wrong (" + r.status + ").";
  }

  function send(payload) {
    busy = true;
    acted = true;
    setStatus("Saving…");
    api("POST", root.dataset.reviewUrl, payload).then(function (r) {
      busy = false;
      if (r.ok) {
        pending = null;
        setStatus("");
        stats.answered += 1;
        if (payload.rating === 1) stats.again += 1;
        answered += 1;
        els.undo.hidden = false;
        applyQueue(r.data.queue);
      } else if (r.status === 409) {
        pending = null;
        setStatus("This card was answered elsewhere; here is the current queue.", true);
        keepAnnouncement = true;
        load();
      } else {
        pending = null;
        setStatus(message(r), true);
      }
    }, function () {
      busy = false;
      pending = payload;  // same client_review_id: a retry is applied once
      setStatus("Could not reach the server. Press a rating again to retry.", true);
    });
  }

  function rate(rating) {
    if (!current || !revealed || busy) return;
    if (pending && pending.card === current.id) { send(pending); return; }
    if (current.variant) {
      // The server grades again: wrong is Again, right is Hard/Good/Easy.
      if (graded && !graded.correct) rating = 1;
      else if (rating === 1) return;
      send({
        card: current.id,
        rating: rating,
        client_review_id: uuid(),
        version: current.version,
        duration_ms: Math.min(Date.now() - shownAt, 86400000),
        variant: current.variant.token,
        answers: graded ? partAnswersOf(graded) : partAnswers(),
        next: { deck: deck ? Number(deck) : null, limit: 2 },
      });
      return;
    }
    send({
      card: current.id,
      rating: rating,
      client_review_id: uuid(),
      version: current.version,
      duration_ms: Math.min(Date.now() - shownAt, 86400000),
      // The text the server graded; it grades it again for the log.
      answer: current.typed ? (graded ? graded.answer_text : input.value) : "",
      next: { deck: deck ? Number(deck) : null, limit: 2 },
    });
  }

  function partAnswersOf(result) {
    var answers = {};
    (result.grades || []).forEach(function (g) { answers[g.part] = g.answer_text; });
    return answers;
  }

  function undo() {
    if (busy || !answered) return;
    busy = true;
    acted = true;
    api("POST", root.dataset.undoUrl, {}).then(function (r) {
      busy = false;
      if (!r.ok) { setStatus(message(r), true); return; }
      answered -= 1;
      stats.answered = Math.max(0, stats.answered - 1);
      if (r.data.review && r.data.review.rating === 1) stats.again = Math.max(0, stats.again - 1);
      els.undo.hidden = answered <= 0;
      announce("Last answer undone; its card comes back.");
      keepAnnouncement = true;
      load();
    }, function () { busy = false; setStatus("Could not reach the server.", true); });
  }

  function finish(nextDue) {
    var moveFocus = acted && focusIsHere();
    current = null;
    els.card.hidden = true;
    els.show.hidden = true;
    els.ratings.hidden = true;
    els.summary.hidden = false;
    var minutes = Math.round((Date.now() - stats.started) / 60000);
    els.summary.querySelector('[data-summary="answered"]').textContent = stats.answered;
    els.summary.querySelector('[data-summary="again"]').textContent = stats.again;
    els.summary.querySelector('[data-summary="typed"]').textContent =
      stats.typed ? stats.typedRight + " of " + stats.typed : "–";
    els.summary.querySelector('[data-summary="time"]').textContent = minutes + " min";
    var next = els.summary.querySelector('[data-summary="next"]');
    if (nextDue) {
      var at = new Date(nextDue);
      next.textContent = "A learning card comes back at " + at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + "; this page will show it.";
      nextTimer = setTimeout(load, Math.max(1000, at - Date.now() + 500));
    } else {
      next.textContent = "Nothing more is due today.";
    }
    // The summary is named by its heading, "Session done".
    if (moveFocus) els.summary.focus();
  }

  els.show.addEventListener("click", reveal);
  els.undo.addEventListener("click", undo);
  els.ratings.addEventListener("click", function (e) {
    var button = e.target.closest("[data-rating]");
    if (button) rate(Number(button.dataset.rating));
  });
  els.typed.addEventListener("submit", function (e) { e.preventDefault(); reveal(); });

  // What keeps its keys: links, summaries, fields and buttons (a rating
  // button keeps Enter and Space, which press it; 1-4 and u still work there).
  var CONTROLS = "a[href], area[href], summary, input, select, textarea, button, " +
    "[contenteditable]:not([contenteditable=false]), [role=button], [role=link], " +
    "[role=checkbox], [role=menuitem], [role=tab], [role=textbox], [role=combobox]";

  function shortcutTarget(target) {
    if (!target || target === document.body || target === document.documentElement) return "area";
    if (!root.contains(target)) return null;
    if (target.isContentEditable) return null;
    var control = target.closest(CONTROLS);
    if (!control) return "area";
    if (control.tagName === "BUTTON" && control.hasAttribute("data-rating") && els.ratings.contains(control)) return "rating";
    return null;
  }

  document.addEventListener("keydown", function (e) {
    if (!shortcuts || e.defaultPrevented || e.isComposing) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var where = shortcutTarget(e.target);
    if (!where) return;
    if (e.key === " " || e.key === "Enter") {
      if (where === "rating") return;  // the button's own activation
      if (current && !revealed) { e.preventDefault(); reveal(); }
    } else if (/^[1-4]$/.test(e.key)) {
      if (revealed) { e.preventDefault(); rate(Number(e.key)); }
    } else if (e.key === "u" || e.key === "U") {
      if (answered) { e.preventDefault(); undo(); }
    }
  });

  load();
})();
