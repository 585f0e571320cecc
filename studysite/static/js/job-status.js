// Long jobs (demo runs, fits, simulations, imports) announce their progress.
// htmx replaces a job's panel every second, so the panel holds no live region:
// its root names one outside it (data-job-live, a role="status" element in the
// page's first HTML) and carries data-job-key, data-job-name, data-job-status,
// data-job-progress (0-100), data-job-done (what success means) and
// data-job-error. After each swap this script says one short sentence there
// when the job starts, crosses 25, 50 or 75 % or ends; once each, never every
// poll, and it never moves focus. Without it the panels work as before.
(function () {
  "use strict";
  var MILESTONES = [25, 50, 75];
  var SUCCEEDED = { succeeded: true, done: true };
  var FAILED = { failed: true };
  var seen = {}; // live region id -> {key, status, milestone}

  function milestone(progress) {
    var reached = 0;
    for (var i = 0; i < MILESTONES.length; i++) {
      if (progress >= MILESTONES[i]) reached = MILESTONES[i];
    }
    return reached;
  }

  function sentence(panel, status, reached) {
    var name = panel.getAttribute("data-job-name") || "Job";
    if (SUCCEEDED[status]) {
      return name + " succeeded: " + (panel.getAttribute("data-job-done") || "done") + ".";
    }
    if (FAILED[status]) {
      var reason = panel.getAttribute("data-job-error");
      return name + " failed" + (reason ? ": " + reason : ".");
    }
    if (status === "running") {
      return reached ? name + " running: " + reached + "% done." : name + " started.";
    }
    return name + " " + status + ".";
  }

  function update(panel) {
    var live = document.getElementById(panel.getAttribute("data-job-live") || "");
    if (!live) return;
    var key = panel.getAttribute("data-job-key") || "";
    var status = panel.getAttribute("data-job-status") || "";
    var progress = parseInt(panel.getAttribute("data-job-progress"), 10) || 0;
    var before = seen[live.id];
    var now = { key: key, status: status, milestone: milestone(progress) };
    seen[live.id] = now;
    // The first sight of a job comes with the page, which says where it stands.
    if (!before || before.key !== key) return;
    if (now.status === before.status) {
      if (now.milestone <= before.milestone) {
        now.milestone = before.milestone; // never announce a step back
        return;
      }
      if (SUCCEEDED[status] || FAILED[status]) return;
    }
    live.textContent = sentence(panel, status, now.milestone);
  }

  function scan() {
    var panels = document.querySelectorAll("[data-job-live]");
    for (var i = 0; i < panels.length; i++) update(panels[i]);
  }

  scan();
  document.addEventListener("htmx:afterSwap", scan);
  document.addEventListener("htmx:afterSettle", scan);
})();
