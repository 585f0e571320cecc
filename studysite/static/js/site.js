// What every page needs from script, none of it required to read the page:
// - the menu button: at narrow widths the navigation folds behind a real
//   button (aria-expanded, aria-controls); Escape closes it. Without script
//   the links stay visible.
// - scroll regions: a table, code block or formula wider than the page
//   scrolls inside its own box; while it overflows, that box is a named,
//   focusable region so a keyboard can scroll it (WCAG 2.1.1).
// - forms sent back with errors: focus moves to the first invalid field (its
//   errors are linked to it with aria-describedby) or to the form's errors.
(function () {
  "use strict";
  var doc = document.documentElement;
  doc.classList.add("js");

  // The menu button.
  function setUpMenu() {
    var button = document.querySelector("[data-menu-button]");
    if (!button) return;
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    button.hidden = false;
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    }
    setOpen(false);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
      if (!menu.contains(document.activeElement) && document.activeElement !== button) return;
      setOpen(false);
      button.focus();
    });
  }

  // Scroll regions.
  var CANDIDATES = "table, pre, .math.display, .table-scroll, .scroll-region";
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function wrapTables(root) {
    var tables = root.querySelectorAll("table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      var parent = table.parentNode;
      if (parent.classList && (parent.classList.contains("scroll-region") ||
          parent.classList.contains("table-scroll"))) continue;
      var box = document.createElement("div");
      box.className = "scroll-region";
      parent.insertBefore(box, table);
      box.appendChild(table);
    }
  }

  function textOf(id) {
    var node = id && document.getElementById(id);
    return node ? node.textContent : "";
  }

  function precedingHeading(node) {
    for (var n = node; n && n !== document.body; n = n.parentNode) {
      for (var s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (/^H[1-6]$/.test(s.tagName)) return s.textContent;
        var inner = s.querySelectorAll && s.querySelectorAll("h1, h2, h3, h4, h5, h6");
        if (inner && inner.length) return inner[inner.length - 1].textContent;
      }
    }
    return "";
  }

  function regionName(box) {
    var table = box.tagName === "TABLE" ? box : box.querySelector("table");
    var name = "";
    if (table) {
      var caption = table.querySelector("caption");
      name = (caption && caption.textContent) || table.getAttribute("aria-label") ||
        textOf(table.getAttribute("aria-labelledby")) || precedingHeading(box);
      name = (name || "Table").trim();
      return name.replace(/\s+/g, " ") + " (table, scrolls sideways)";
    }
    if (box.tagName === "PRE") return "Code (scrolls sideways)";
    return "Formula (scrolls sideways)";
  }

  function markRegions(root) {
    var nodes = (root || document).querySelectorAll(CANDIDATES);
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      // A table in a wrapper scrolls with the wrapper; the wrapper is marked.
      if (node.tagName === "TABLE" && node.parentNode.classList &&
          (node.parentNode.classList.contains("scroll-region") ||
           node.parentNode.classList.contains("table-scroll"))) continue;
      var overflows = node.scrollWidth > node.clientWidth + 1;
      var marked = node.hasAttribute("data-scroll-region");
      if (overflows && !marked && !node.querySelector(FOCUSABLE)) {
        node.setAttribute("data-scroll-region", "");
        node.setAttribute("tabindex", "0");
        if (node.tagName !== "TABLE") node.setAttribute("role", "region");
        node.setAttribute("aria-label", regionName(node));
      } else if (!overflows && marked) {
        node.removeAttribute("data-scroll-region");
        node.removeAttribute("tabindex");
        if (node.tagName !== "TABLE") node.removeAttribute("role");
        node.removeAttribute("aria-label");
      }
    }
  }

  var pending = null;
  function markSoon() {
    if (pending) return;
    pending = window.requestAnimationFrame(function () {
      pending = null;
      wrapTables(document.getElementById("main") || document.body);
      markRegions(document);
    });
  }

  function setUpRegions() {
    var main = document.getElementById("main") || document.body;
    wrapTables(main);
    markRegions(document);
    window.addEventListener("resize", markSoon);
    window.addEventListener("load", markSoon);
    document.addEventListener("htmx:afterSettle", markSoon);
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(markSoon);
      observer.observe(main);
    }
    if (window.MutationObserver) {
      new MutationObserver(markSoon).observe(main, { childList: true, subtree: true });
    }
  }

  // Focus on the first invalid field of a form sent back with errors.
  function focusFirstError() {
    var main = document.getElementById("main");
    if (!main) return;
    var field = main.querySelector("form [aria-invalid='true']");
    var errors = main.querySelector("form .form-errors");
    if (field || errors) {
      // A form sent back: its errors come first, not the field it autofocuses.
      var auto = main.querySelectorAll("form [autofocus]");
      for (var i = 0; i < auto.length; i++) auto[i].removeAttribute("autofocus");
    }
    if (field) {
      field.focus();
      return;
    }
    if (errors) {
      errors.setAttribute("tabindex", "-1");
      errors.focus();
    }
  }

  function start() {
    setUpMenu();
    setUpRegions();
    focusFirstError();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
