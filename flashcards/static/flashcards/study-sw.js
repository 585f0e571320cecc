// The study page's service worker (served by flashcards/offline_views.py,
// which puts self.STUDY_WORKER = {version, precache, login} above this file).
// Its scope is /study/: it keeps the study pages and the static files they use
// so that a reload without the network still opens the page, whose script then
// restores the cards and the waiting answers from IndexedDB. The cards and the
// answers are the page's (IndexedDB, one database per user); the worker keeps
// no API answer.
// Network first: a page or file comes from the network when it can (and the
// copy kept is refreshed), from the cache when it cannot. Cache names carry
// the version, so a new deploy's worker removes the old caches.
// The kept page is one user's: the page clears it with its data when the
// learner logs out, and the worker clears everything when the network says
// the learner is signed out (a study page redirected to the login page).
/* global self, caches, indexedDB */
(function () {
  "use strict";
  var settings = self.STUDY_WORKER || { version: "dev", precache: [], login: "/accounts/login/" };
  var PREFIX = "study-";
  var STATIC_CACHE = PREFIX + "static-" + settings.version;
  var PAGE_CACHE = PREFIX + "pages-" + settings.version;
  var KEEP = [STATIC_CACHE, PAGE_CACHE];
  var precache = settings.precache.map(function (url) { return new URL(url, self.location.origin).href; });
  var NETWORK_WAIT_MS = 8000;  // a network that answers nothing counts as down

  function keepFiles() {
    return caches.open(STATIC_CACHE).then(function (cache) {
      // One at a time on failure: a file that fails does not stop the others.
      return Promise.all(precache.map(function (url) {
        return cache.add(new Request(url, { credentials: "same-origin", cache: "no-cache" }))
          .catch(function () { return null; });
      }));
    });
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(keepFiles().then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && KEEP.indexOf(name) < 0;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); }));
  });

  // Everything this origin's study pages keep: caches and databases.
  function forgetAll() {
    var dbs = indexedDB.databases ? indexedDB.databases() : Promise.resolve([]);
    return Promise.all([
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0; })
          .map(function (n) { return caches.delete(n); }));
      }),
      dbs.then(function (list) {
        list.forEach(function (db) {
          if (db.name && db.name.indexOf(PREFIX) === 0) indexedDB.deleteDatabase(db.name);
        });
      }),
    ]).catch(function () { return null; });
  }

  function pageKey(url) {
    var u = new URL(url);
    return u.origin + u.pathname;
  }

  function withTimeout(promise) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_WAIT_MS);
      promise.then(function (r) { clearTimeout(timer); resolve(r); },
        function (e) { clearTimeout(timer); reject(e); });
    });
  }

  function isLogin(response) {
    return response.redirected && new URL(response.url).pathname === settings.login;
  }

  function offlinePage() {
    var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
      "<title>Offline</title></head><body><main><h1>You are offline</h1>" +
      "<p>This study page was not saved on this device. Open it again when you are online.</p>" +
      "</main></body></html>";
    return new Response(html, {
      status: 503,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
      },
    });
  }

  var storing = {};  // page copies being written, by key

  function studyPage(event) {
    var request = event.request;
    var key = pageKey(request.url);
    return withTimeout(fetch(request)).then(function (response) {
      if (isLogin(response)) return forgetAll().then(function () { return response; });
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        storing[key] = caches.open(PAGE_CACHE).then(function (cache) { return cache.put(key, copy); })
          .catch(function () { return null; })
          .then(function () { delete storing[key]; });
        event.waitUntil(storing[key]);
      }
      return response;
    }, function () {
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.match(key);
      }).then(function (kept) { return kept || offlinePage(); });
    });
  }

  function staticFile(request) {
    return withTimeout(fetch(request)).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(STATIC_CACHE).then(function (cache) { return cache.put(request.url, copy); });
      }
      return response;
    }, function (error) {
      return caches.match(request.url, { cacheName: STATIC_CACHE }).then(function (kept) {
        if (kept) return kept;
        throw error;
      });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") return;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    var inScope = url.href.indexOf(self.registration.scope) === 0 && !/\.js$/.test(url.pathname);
    if (request.mode === "navigate" && inScope) {
      event.respondWith(studyPage(event));
    } else if (precache.indexOf(url.origin + url.pathname) >= 0) {
      event.respondWith(staticFile(request));
    }
  });

  // The page asks for its own copy once it is controlled. A page that came
  // through this worker is kept already; one that did not (the first visit,
  // before this worker ran, or a reload that bypassed it) asks for a fresh
  // copy ("fresh"). The reply says whether the page is kept.
  self.addEventListener("message", function (event) {
    var data = event.data || {};
    var port = event.ports && event.ports[0];
    function reply(ok) { if (port) port.postMessage({ kept: ok }); }
    if (data.type === "keep-page" && typeof data.url === "string") {
      var key = pageKey(new URL(data.url, self.location.origin).href);
      if (key.indexOf(self.registration.scope) !== 0) { reply(false); return; }
      event.waitUntil(Promise.resolve(storing[key]).then(function () {
        return caches.open(PAGE_CACHE);
      }).then(function (cache) {
        return cache.match(key).then(function (kept) {
          if (kept && !data.fresh) return true;
          return fetch(key, { credentials: "same-origin" }).then(function (response) {
            if (!response.ok || response.redirected) return false;
            return cache.put(key, response).then(function () { return true; });
          });
        });
      }).then(reply, function () { reply(false); }));
    } else if (data.type === "forget") {
      event.waitUntil(forgetAll().then(function () { reply(true); }));
    }
  });
})();
