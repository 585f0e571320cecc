// The study page's offline helpers: the service worker (study-sw.js, served
// at data-worker-url) that keeps the page and its files for a reload without
// the network; clearing what this device keeps when the learner logs out; and
// the page's one clock.
(function () {
  "use strict";

  // Ask the active worker something; resolves with its reply (or null).
  function ask(worker, message) {
    return new Promise(function (resolve) {
      if (!worker || !window.MessageChannel) { resolve(null); return; }
      var channel = new MessageChannel();
      var timer = setTimeout(function () { resolve(null); }, 15000);
      channel.port1.onmessage = function (e) { clearTimeout(timer); resolve(e.data); };
      worker.postMessage(message, [channel.port2]);
    });
  }

  // Registers the worker and has it keep this page. data-offline-ready on
  // the study area says "yes" once the page is kept, "no" if it cannot be.
  function register(root) {
    var url = root.dataset.workerUrl;
    var sw = navigator.serviceWorker;
    if (!url || !sw) { root.dataset.offlineReady = "no"; return; }
    var fresh = !sw.controller;  // this page did not come through the worker
    sw.register(url, { scope: url.replace(/[^/]*$/, "") }).then(function () {
      return sw.ready;
    }).then(function (registration) {
      return ask(registration.active, { type: "keep-page", url: location.pathname, fresh: fresh });
    }).then(function (reply) {
      root.dataset.offlineReady = reply && reply.kept ? "yes" : "no";
    }, function () { root.dataset.offlineReady = "no"; });
  }

  // Every cache the study pages keep on this device.
  function forgetCaches() {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(window.StudyStore.PREFIX) === 0; })
        .map(function (n) { return caches.delete(n); }));
    }).catch(function () { return null; });
  }

  // Logging out from this page first clears what this device keeps of the
  // learner: the kept pages and the database of cards and answers (answers
  // still waiting are lost, so the learner is asked first).
  function guardLogout(options) {
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (!form || form.dataset.studyCleared) return;
      var action = form.getAttribute("action");
      if (!action || new URL(action, location.href).pathname !== options.logoutPath) return;
      e.preventDefault();
      var waiting = options.waiting();
      if (waiting && !window.confirm(waiting + (waiting === 1 ? " answer has" : " answers have") +
          " not reached the server yet and will be lost if you log out now. Log out anyway?")) return;
      form.dataset.studyCleared = "yes";
      var give = new Promise(function (resolve) { setTimeout(resolve, 3000); });
      Promise.race([Promise.all([options.forget(), forgetCaches()]), give]).then(function () {
        form.submit();
      });
    });
  }

  // Times on the study page: in the learner's account time zone
  // (data-time-zone), written the way this browser's locale writes a time.
  function clock(zone) {
    var format;
    try {
      format = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone: zone || undefined });
    } catch (e) {
      format = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
    }
    return function (iso) { return format.format(new Date(iso)); };
  }

  window.StudyOffline = { register: register, guardLogout: guardLogout, clock: clock };
})();
