// The review page: drives the JSON API with fetch.
// Space/Enter shows the answer, 1-4 rate, u undoes. Every answer carries a
// fresh client_review_id, so a retry after a network error is applied once,
// and the card's version, so an answer from a stale tab gets a 409.
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
    intro: $("intro"), parts: $("parts"),
  };
  var input = els.typed.querySelector("input");
  var deck = root.dataset.deck || null;
  var csrf = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  var queue = [];        // cards from the API, head first
  var current = null;    // the card on screen
  var revealed = false;
  var shownAt = 0;
  var busy = false;
  var pending = null;    // a review whose request failed, to retry as is
  var answered = 0;
  var stats = { answered: 0, again: 0, typed: 0, typedRight: 0, started: Date.now() };
  var nextTimer = null;
  var graded = null;     // a parametric card's grade result, once revealed

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
      row.appendChild(field);
      row.appendChild(el("p", { "class": "typed-result", "data-part-result": part.key, "aria-live": "polite" }));
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

  function setStatus(text, isError) {
    els.status.textContent = text || "";
    els.status.classList.toggle("error", !!isError);
  }

  function setCounts(counts) {
    root.querySelector(".count-new").textContent = counts.new;
    root.querySelector(".count-learning").textContent = counts.learning;
    root.querySelector(".count-review").textContent = counts.review;
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
    els.typedResult.textContent = "";
    els.typedResult.className = "typed-result";
    els.ratings.hidden = true;
    els.show.hidden = false;
    ["1", "2", "3", "4"].forEach(function (k) {
      root.querySelector('[data-interval="' + k + '"]').textContent = card.intervals[k].label;
    });
    renderMath(els.card);
    var first = els.parts.querySelector("[data-part]");
    if (card.variant && first) first.focus();
    else if (card.typed) input.focus(); else els.show.focus({ preventScroll: true });
  }

  function parseNumber(text) {
    var t = String(text).trim().replace(/\u2212/g, "-").replace(/_/g, "");
    t = t.replace(/(\d)[ ,\u00a0\u202f](?=\d{3}\b)/g, "$1");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
    return parseFloat(t);
  }

  function gradeTyped(card, text) {
    var check = card.numeric;
    var t = text.trim();
    if (check.unit && t.toLowerCase().endsWith(check.unit.toLowerCase())) t = t.slice(0, -check.unit.length);
    var value = parseNumber(t);
    if (value === null) return false;
    return Math.abs(value - check.answer) <= check.allowed_error + 1e-12 * Math.max(1, Math.abs(check.answer));
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
      (graded.grades || []).forEach(function (g) {
        var out = els.parts.querySelector('[data-part-result="' + g.part + '"]');
        if (!out) return;
        out.textContent = (g.status === "correct" ? "Right. " : "Wrong. ") + (g.feedback || "") +
          (g.status === "correct" ? "" : " Expected: " + g.expected + ".");
        out.className = "typed-result " + (g.status === "correct" ? "right" : "wrong");
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
      var focus = els.ratings.querySelector('[data-rating="' + (graded.correct ? "3" : "1") + '"]');
      if (focus) focus.focus({ preventScroll: true });
    }, function () { busy = false; setStatus("Could not reach the server.", true); });
  }

  function reveal() {
    if (!current || revealed) return;
    if (current.variant) { revealParametric(); return; }
    revealed = true;
    els.back.hidden = false;
    els.divider.hidden = false;
    els.show.hidden = true;
    els.ratings.hidden = false;
    if (current.typed) {
      var right = gradeTyped(current, input.value);
      input.disabled = true;
      els.typedResult.textContent = input.value.trim() === "" ? "No answer typed." : right ? "Right." : "Wrong.";
      els.typedResult.className = "typed-result " + (right ? "right" : "wrong");
      stats.typed += 1;
      if (right) stats.typedRight += 1;
    }
    renderMath(els.back);
    var good = els.ratings.querySelector('[data-rating="3"]');
    if (good) good.focus({ preventScroll: true });
  }

  function message(r) {
    var e = r.data && r.data.error;
    return e ? e.message : "Something went wrong (" + r.status + ").";
  }

  function send(payload) {
    busy = true;
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
      answer: current.typed ? input.value : "",
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
    api("POST", root.dataset.undoUrl, {}).then(function (r) {
      busy = false;
      if (!r.ok) { setStatus(message(r), true); return; }
      answered -= 1;
      stats.answered = Math.max(0, stats.answered - 1);
      if (r.data.review && r.data.review.rating === 1) stats.again = Math.max(0, stats.again - 1);
      els.undo.hidden = answered <= 0;
      setStatus("Undone.");
      load();
    }, function () { busy = false; setStatus("Could not reach the server.", true); });
  }

  function finish(nextDue) {
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
  }

  els.show.addEventListener("click", reveal);
  els.undo.addEventListener("click", undo);
  els.ratings.addEventListener("click", function (e) {
    var button = e.target.closest("[data-rating]");
    if (button) rate(Number(button.dataset.rating));
  });
  els.typed.addEventListener("submit", function (e) { e.preventDefault(); reveal(); });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = e.target.tagName;
    var typing = els.typed.contains(e.target) && (tag === "INPUT" || tag === "SELECT") && !e.target.disabled;
    if (typing) return;  // Enter in an answer box submits its form
    if ((e.key === " " || e.key === "Enter") && current && !revealed) {
      e.preventDefault(); reveal();
    } else if (/^[1-4]$/.test(e.key) && revealed) {
      e.preventDefault(); rate(Number(e.key));
    } else if ((e.key === " " || e.key === "Enter") && revealed && e.target.tagName !== "BUTTON") {
      e.preventDefault(); rate(current && current.variant && graded && !graded.correct ? 1 : 3);
    } else if (e.key === "u" || e.key === "U") {
      e.preventDefault(); undo();
    }
  });

  load();
})();
