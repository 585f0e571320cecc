// Small parts of the study page (study.js): its single-key shortcuts, an
// element builder, a fresh UUID for each answer, and what a screen reader
// reads of a node. The shortcuts act only while focus is in the study area
// (or nowhere), never on a link, a summary, an answer box or a button other
// than a rating, never with Ctrl/Alt/Meta; study.js binds them only when the
// learner has them on.
(function () {
  "use strict";

  // What keeps its keys: links, summaries, fields, buttons and audio players
  // (a rating button keeps Enter and Space, which press it; 1-4 and u still
  // work there; Space on a player plays it).
  var CONTROLS = "a[href], area[href], summary, input, select, textarea, button, audio, video, " +
    "[contenteditable]:not([contenteditable=false]), [role=button], [role=link], " +
    "[role=checkbox], [role=menuitem], [role=tab], [role=textbox], [role=combobox]";

  function shortcutTarget(root, ratings, target) {
    if (!target || target === document.body || target === document.documentElement) return "area";
    if (!root.contains(target)) return null;
    if (target.isContentEditable) return null;
    var control = target.closest(CONTROLS);
    if (!control) return "area";
    if (control.tagName === "BUTTON" && control.hasAttribute("data-rating") && ratings.contains(control)) return "rating";
    return null;
  }

  // page: root, ratings (the group), and what the keys do: canReveal(),
  // reveal(), canRate(), rate(n), canUndo(), undo().
  function bind(page) {
    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.isComposing) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var where = shortcutTarget(page.root, page.ratings, e.target);
      if (!where) return;
      if (e.key === " " || e.key === "Enter") {
        if (where === "rating") return;  // the button's own activation
        if (page.canReveal()) { e.preventDefault(); page.reveal(); }
      } else if (/^[1-4]$/.test(e.key)) {
        if (page.canRate()) { e.preventDefault(); page.rate(Number(e.key)); }
      } else if (e.key === "u" || e.key === "U") {
        if (page.canUndo()) { e.preventDefault(); page.undo(); }
      }
    });
  }


  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

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

  window.StudyParts = { bindKeys: bind, el: el, uuid: uuid, spoken: spoken };
})();
