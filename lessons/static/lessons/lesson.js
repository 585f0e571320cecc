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
