// Typed cards on the study page (study.js): the answer boxes of a parametric
// card, and the server's check of a typed or parametric answer.
// Typed cards are graded by the server, never here (one number reader, the
// server's): a numeric card's typed text goes to the grade API, which answers
// with the verdict, the feedback and the answer side (the queue does not send
// the answer before); the page shows what it says, and the review carries the
// same text, which the server grades again for the log. While a check is in
// flight nothing is sent twice; if it fails, the typed answer stays and the
// learner checks again (offline, the card is set aside instead).
// Parametric cards show a fresh problem variant: the typed answers go to the
// grade API first (the server grades); wrong can only be rated Again, right
// offers Hard, Good or Easy (Enter: Good); the review carries the variant
// token and the answers, and the server grades them again.
// The result is said by the page's one live region before focus moves to
// the suggested rating (Again when wrong), as study.js's header says.
// StudyTyped.create(page) takes what it needs of the page: its elements, the
// fetch helper, the live region, the card on screen and the busy flag.
(function () {
  "use strict";

  function create(page) {
    var graded = null;  // the server's grade of the card on screen, once checked

    function buildParts(card) {
      page.els.parts.textContent = "";
      page.els.parts.hidden = !card.variant;
      page.input.parentNode.hidden = !!card.variant;
      if (!card.variant) return;
      card.variant.parts.forEach(function (part, i) {
        var id = "part-" + part.key;
        var row = page.el("div", { "class": "field" });
        row.appendChild(page.el("label", { "for": id }, part.label + (part.unit ? " (" + part.unit + ")" : "")));
        var field;
        if (part.choices) {
          field = page.el("select", { id: id, name: part.key });
          field.appendChild(page.el("option", { value: "" }, "—"));
          part.choices.forEach(function (c) { field.appendChild(page.el("option", { value: c }, c)); });
        } else {
          field = page.el("input", { id: id, name: part.key, autocomplete: "off", inputmode: "text" });
        }
        field.dataset.part = part.key;
        field.dataset.label = part.label;
        field.setAttribute("aria-describedby", page.els.front.id);
        row.appendChild(field);
        row.appendChild(page.el("p", { "class": "typed-result", "data-part-result": part.key }));
        page.els.parts.appendChild(row);
      });
      page.els.parts.appendChild(page.el("button", { type: "submit", "class": "button" }, "Check"));
    }

    function partAnswers() {
      var answers = {};
      page.els.parts.querySelectorAll("[data-part]").forEach(function (f) { answers[f.dataset.part] = f.value; });
      return answers;
    }

    function showRatings(which) {
      ["1", "2", "3", "4"].forEach(function (k) {
        var b = page.els.ratings.querySelector('[data-rating="' + k + '"]');
        if (b) b.hidden = which.indexOf(k) < 0;
      });
    }

    function revealParametric() {
      if (page.busy()) return;
      page.setBusy(true);
      page.setStatus("Checking…");
      var card = page.current();
      page.api("POST", page.gradeUrl(card.id), { variant: card.variant.token, answers: partAnswers() }).then(function (r) {
        page.setBusy(false);
        if (card !== page.current()) return;
        if (!r.ok) { page.setStatus(page.message(r), true); return; }
        page.setStatus("");
        graded = r.data;
        page.revealed(graded);
        page.els.parts.querySelectorAll("[data-part]").forEach(function (f) { f.disabled = true; });
        var said = [];
        (graded.grades || []).forEach(function (g) {
          var out = page.els.parts.querySelector('[data-part-result="' + g.part + '"]');
          if (!out) return;
          var right = g.status === "correct";
          out.textContent = ((right ? "Right. " : "Wrong. ") + (g.feedback || "") +
            (right ? "" : " The answer is " + g.expected + ".")).replace(/\s+/g, " ").trim();
          out.className = "typed-result " + (right ? "right" : "wrong");
          var field = page.els.parts.querySelector('[data-part="' + g.part + '"]');
          said.push(((field && field.dataset.label) || g.part) + ": " + out.textContent);
        });
        var submit = page.els.parts.querySelector("button[type=submit]");
        if (submit) submit.hidden = true;
        page.els.back.innerHTML = graded.back;
        page.els.back.hidden = false;
        page.els.divider.hidden = false;
        page.els.show.hidden = true;
        page.els.ratings.hidden = false;
        showRatings(graded.correct ? ["2", "3", "4"] : ["1"]);
        page.renderMath(page.els.back);
        var solution = page.spoken(page.els.back);
        page.announce((graded.correct ? "Right: " : "Wrong: ") + said.join(" ") +
          (solution ? " Solution: " + solution : ""));
        if (page.focusIsHere()) page.focusRatings(graded.correct ? "3" : "1");
      }, function () {
        page.setBusy(false);
        if (card !== page.current()) return;
        if (!page.setAsideOffline(card)) page.setStatus("Could not reach the server.", true);
      });
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
      if (page.busy()) return;
      page.setBusy(true);
      var card = page.current();
      // Read-only, not disabled, while the check is in flight: the text graded
      // is the text logged, and focus stays in the box for a retry.
      page.input.readOnly = true;
      page.els.typed.setAttribute("aria-busy", "true");
      page.setStatus("Checking…");
      function settle() {
        page.setBusy(false);
        if (card !== page.current()) return false;
        page.input.readOnly = false;
        page.els.typed.removeAttribute("aria-busy");
        return true;
      }
      page.api("POST", page.gradeUrl(card.id), { answer: page.input.value }).then(function (r) {
        if (!settle()) return;
        if (!r.ok) { page.setStatus(page.message(r), true); return; }
        page.setStatus("");
        graded = r.data;
        page.revealed(graded);
        page.input.disabled = true;
        var result = numericResult(graded);
        page.els.typedResult.textContent = result;
        page.els.typedResult.className = "typed-result " + (graded.correct ? "right" : "wrong");
        page.els.back.innerHTML = graded.back || "";
        page.showBack();
        var answer = page.spoken(page.els.back);
        page.announce(result + (answer ? " Answer: " + answer : ""));
        if (page.focusIsHere()) page.focusRatings(graded.correct ? "3" : "1");
      }, function () {
        if (!settle()) return;
        if (page.setAsideOffline(card)) return;
        page.setStatus("Could not reach the server to check your answer; it is still " +
          "in the box: press Enter there, or Show answer, to try again.", true);
      });
    }

    function partAnswersOf(result) {
      var answers = {};
      (result.grades || []).forEach(function (g) { answers[g.part] = g.answer_text; });
      return answers;
    }

    return {
      // A new card: its answer boxes, no grade yet.
      build: function (card) { graded = null; buildParts(card); },
      showRatings: showRatings,
      reveal: function (card) { if (card.variant) revealParametric(); else revealNumeric(); },
      graded: function () { return graded; },
      // What a review of the card on screen carries.
      answers: function () { return graded ? partAnswersOf(graded) : partAnswers(); },
      answerText: function () { return graded ? graded.answer_text : page.input.value; },
    };
  }

  window.StudyTyped = { create: create };
})();
