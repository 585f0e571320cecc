// A teacher's quiz page: follow the variant-generation job until it finishes.
// The box carries the progress API's URL in data-progress-url.
(function () {
  const box = document.getElementById("job");
  if (!box || !box.querySelector("[data-role=state]")) return;
  async function poll() {
    const response = await fetch(box.dataset.progressUrl, {credentials: "same-origin"});
    if (!response.ok) return;
    const job = (await response.json()).job;
    if (!job) return;
    box.querySelector("[data-role=state]").textContent = job.state;
    box.querySelector("[data-role=done]").textContent = job.done;
    if (job.state === "pending" || job.state === "running") setTimeout(poll, 1000);
  }
  poll();
})();
