// The deck page's note list: one checkbox in the table's header ticks or
// clears every note on the page for the bulk actions, and shows "mixed" when
// only some are ticked. Without script the header box stays hidden and each
// note is ticked by hand.
(function () {
  "use strict";
  var all = document.getElementById("select-page");
  if (!all) return;
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll("input[type=checkbox][name=notes]")
  );
  if (!boxes.length) return;
  all.hidden = false;

  function sync() {
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    sync();
  });
  boxes.forEach(function (b) { b.addEventListener("change", sync); });
  sync();
})();
