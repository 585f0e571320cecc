// A teacher's quiz page: follow the variant-generation job until it finishes.
// The box carries the progress API's URL in data-progress-url; #job-live (a
// role="status" region in the page's first HTML) gets one short sentence when
// the job starts, crosses 25, 50 or 75 % or ends: once each, never every poll.
(function () {
  const box = document.getElementById("job");
  if (!box || !box.querySelector("[data-role=state]")) return;
  const live = document.getElementById("job-live");
  const MILESTONES = [25, 50, 75];
  let before = null;
  function reached(job) {
    const percent = job.total ? (100 * job.done) / job.total : 0;
    return MILESTONES.filter((m) => percent >= m).pop() || 0;
  }
  function sentence(job, milestone) {
    if (job.state === "done") return `Variants generated: ${job.done} of ${job.total} learners.`;
    if (job.state === "failed") return `Generating variants failed${job.error ? ": " + job.error : "."}`;
    if (job.state === "running") {
      return milestone ? `Generating variants: ${milestone}% done.` : "Generating variants started.";
    }
    return `Generating variants: ${job.state}.`;
  }
  function announce(job) {
    const now = {id: job.id, state: job.state, milestone: reached(job)};
    const last = before;
    before = now;
    // The first answer matches what the page already says.
    if (!live || !last || last.id !== now.id) return;
    if (now.state === last.state && now.milestone <= last.milestone) {
      now.milestone = last.milestone;
      return;
    }
    live.textContent = sentence(job, now.milestone);
  }
  async function poll() {
    let job;
    try {
      const response = await fetch(box.dataset.progressUrl, {credentials: "same-origin"});
      // A refused or failed poll (throttled, a busy server) is tried again;
      // only the job's end stops the polling.
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      job = (await response.json()).job;
    } catch (error) {
      setTimeout(poll, 2000);
      return;
    }
    if (!job) return;
    box.querySelector("[data-role=state]").textContent = job.state;
    box.querySelector("[data-role=done]").textContent = job.done;
    announce(job);
    if (job.state === "pending" || job.state === "running") setTimeout(poll, 1000);
  }
  poll();
})();
