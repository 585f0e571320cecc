// The note form shows the chosen type's fields only (with the type and the
// tags): choosing "cloze" hides front and back and shows text and extra.
// Without script every field shows, and the server ignores those a type does
// not use. A hidden field is out of the tab order and of the screen reader's
// reading, as its box gets the hidden attribute.
(function () {
  "use strict";
  var form = document.getElementById("note-form");
  if (!form || !form.dataset.typeFields) return;
  var byType = JSON.parse(form.dataset.typeFields);
  var select = form.querySelector("select[name=type]");
  var fixed = form.querySelector("input[type=hidden][name=type]");  // editing

  function chosen() { return fixed ? fixed.value : (select ? select.value : ""); }

  function show() {
    var wanted = byType[chosen()];
    if (!wanted) return;
    form.querySelectorAll(".field").forEach(function (box) {
      var control = box.querySelector("[name]");
      if (!control || control.name === "type" || control.name === "tags") return;
      box.hidden = wanted.indexOf(control.name) === -1;
    });
  }

  if (select) select.addEventListener("change", show);
  show();
})();
