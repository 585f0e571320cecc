// Render \( \) and \[ \] math with the vendored KaTeX, on load and after every
// htmx swap, so fragments fetched later (previews, review cards) get math too.
(function () {
  function render(root) {
    if (!window.renderMathInElement) return;
    window.renderMathInElement(root || document.body, {
      delimiters: [
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
      ],
      throwOnError: false,
    });
  }
  window.studyRenderMath = render;
  document.addEventListener("DOMContentLoaded", function () { render(document.body); });
  document.addEventListener("htmx:afterSwap", function (e) { render(e.target); });
})();
