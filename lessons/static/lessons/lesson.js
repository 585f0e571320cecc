// Reading progress: the bar under the header fills as the lesson scrolls by.
(function () {
  var bar = document.getElementById("reading-progress-bar");
  var article = document.querySelector("article.lesson");
  if (!bar || !article) return;
  var ticking = false;
  function update() {
    ticking = false;
    var rect = article.getBoundingClientRect();
    var total = rect.height - window.innerHeight;
    var done = total > 0 ? Math.min(1, Math.max(0, -rect.top / total)) : 1;
    bar.style.width = (done * 100).toFixed(1) + "%";
    bar.setAttribute("data-progress", Math.round(done * 100));
  }
  function schedule() {
    if (!ticking) { ticking = true; window.requestAnimationFrame(update); }
  }
  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  update();
})();

// The float explorer and the memory calculator: htmx swaps each tool's result,
// which is not a live region. The result's root carries data-tool-summary, one
// line that goes to the tool's role="status" region (the id in the swap
// target's data-tool-live) only when it differs from the last one, so a pause
// in typing that changes nothing says nothing. A field named by an error gets
// aria-invalid and the error's id in its aria-describedby.
(function () {
  var targets = document.querySelectorAll("[data-tool-live]");
  if (!targets.length) return;
  var last = {};

  function linkErrors(target) {
    var box = target.closest("section") || document;
    var form = box.querySelector("form");
    if (!form) return;
    var fields = form.querySelectorAll("input[name], select[name], textarea[name]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (!field.hasAttribute("data-describedby-base")) {
        field.setAttribute("data-describedby-base", field.getAttribute("aria-describedby") || "");
      }
      var base = field.getAttribute("data-describedby-base");
      var error = target.querySelector('.field-error[data-field="' + field.name + '"]');
      if (error && error.id) {
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", (base + " " + error.id).trim());
      } else {
        field.removeAttribute("aria-invalid");
        if (base) field.setAttribute("aria-describedby", base);
        else field.removeAttribute("aria-describedby");
      }
    }
  }

  function update(target, announce) {
    var root = target.querySelector("[data-tool-summary]");
    var text = root ? root.getAttribute("data-tool-summary") : "";
    var live = document.getElementById(target.getAttribute("data-tool-live"));
    if (announce && live && text && text !== last[target.id]) live.textContent = text;
    last[target.id] = text;
    linkErrors(target);
  }

  for (var i = 0; i < targets.length; i++) update(targets[i], false);
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = (event.detail && event.detail.target) || event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-tool-live")) {
      update(target, true);
    }
  });
})();
