// A quiz attempt: every answer is saved when it changes, and Submit asks first.
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
  form.querySelectorAll("input[data-part]").forEach((input) => {
    input.addEventListener("change", () => save(input));
  });
  form.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
})();
