// The sign-up form's time zone: a fresh form (its select carries
// data-browser-time-zone) is set to the browser's own zone when the server
// offers that zone. Otherwise, and without script, it keeps the server's
// default (UTC); the learner can always choose another.
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) return;
  var selects = document.querySelectorAll("select[data-browser-time-zone]");
  Array.prototype.forEach.call(selects, function (select) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (known) select.value = zone;
  });
})();
