// A quiz attempt: every answer is saved when it changes, and Submit asks first.
// Enter in an answer box presses the form's hidden default button (take.html),
// which saves and moves on; it never goes back.
// The form carries the answer API's URL in data-answer-url; the Submit button
// carries its question in data-confirm.
(function () {
  const form = document.getElementById("attempt-form");
  if (!form) return;
  const status = document.querySelector("[data-role=saved]");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  async function save(input) {
    const response = await fetch(form.dataset.answerUrl, {
      method: "PUT",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({item: Number(input.dataset.item), part: input.dataset.part, text: input.value.trim()}),
      credentials: "same-origin",
    });
    if (response.ok) { status.textContent = "saved"; }
    else {
      const body = await response.json().catch(() => ({}));
      status.textContent = (body.error && body.error.message) || "not saved";
      if (response.status === 409) { window.location.reload(); }
    }
  }
  // Enter in an answer box fires "change" and submits the form in one go; the
  // form's POST saves every answer, so the autosave then stays out of its way
  // (two saves of one answer at once could fail). It waits a tick to know.
  let submitting = false;
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("pageshow", () => { submitting = false; });
  form.querySelectorAll("input[data-part]").forEach((input) => {
    input.addEventListener("change", () => {
      setTimeout(() => { if (!submitting) save(input); }, 0);
    });
  });
  form.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
})();
