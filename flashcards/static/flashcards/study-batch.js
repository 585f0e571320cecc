// The study page's batch of cards (study.js draws it): the cards to study in
// the server's order (cards[0] is the one on screen), the ones set aside
// while offline, the counts, and the answers given since the last load began.
// No DOM here and no network: study.js loads, study-sync.js sends.
(function () {
  "use strict";
  var LOW = 3;  // load more when this many are left (and the server has more)

  function countKey(state) { return state === "new" ? "new" : state === "review" ? "review" : "learning"; }

  function create(scope) {
    var b = {
      cards: [],
      aside: [],
      counts: { "new": 0, learning: 0, review: 0 },
      nextDue: null,    // when the next learning card is due
      more: false,      // the server has more cards than it sent
      loaded: false,    // cards came from the server or from this device
      recent: [],       // answers since the last load began: {seq, card, state}
      seq: 0,           // numbers the answers, across reloads
    };

    function bump(state, by) {
      var key = countKey(state);
      b.counts[key] = Math.max(0, (b.counts[key] || 0) + by);
    }

    function without(list, id) { return list.filter(function (c) { return c.id !== id; }); }

    // What a reload finds (set-aside cards too).
    b.record = function () {
      return { scope: scope, cards: b.cards.concat(b.aside), counts: b.counts, next_learning_due: b.nextDue,
        more: b.more, saved_at: new Date().toISOString() };
    };

    b.low = function () { return b.more && b.cards.length > 0 && b.cards.length <= LOW; };

    // The card on screen was answered: it leaves, its count goes down.
    b.answered = function (card) {
      b.seq += 1;
      b.recent.push({ seq: b.seq, card: card.id, state: card.state });
      bump(card.state, -1);
      b.cards = without(b.cards, card.id);
      return b.seq;
    };

    // An answer taken back (undo) or refused: its card comes first again
    // (given), or it is only forgotten.
    b.unanswered = function (seq, card) {
      b.recent = b.recent.filter(function (a) { return a.seq !== seq; });
      if (!card) return;
      bump(card.state, 1);
      b.aside = without(b.aside, card.id);
      b.cards = [card].concat(without(b.cards, card.id));
    };

    // Offline: the cards at the head that need the server go aside.
    b.setAsideHead = function (needsServer) {
      var n = 0;
      while (b.cards.length && needsServer(b.cards[0])) { b.aside.push(b.cards.shift()); n += 1; }
      return n;
    };

    b.setAside = function (card) {
      b.cards = without(b.cards, card.id);
      b.aside.push(card);
    };

    // A load's reply. Cards answered since it was asked for (and those whose
    // answers wait, by id in waiting) are left out, and counted off; the card
    // on screen (current) stays first.
    b.apply = function (data, since, waiting, current) {
      var later = b.recent.filter(function (a) { return a.seq > since; });
      var gone = {};
      later.forEach(function (a) { gone[a.card] = true; });
      Object.keys(waiting).forEach(function (id) { gone[id] = true; });
      var sent = data.cards || [];
      var fresh = sent.filter(function (c) {
        if (current && c.id === current.id) {
          current.version = c.version;  // still due: the server's version now
          return false;
        }
        return !gone[c.id];
      });
      b.counts = { "new": data.counts["new"], learning: data.counts.learning, review: data.counts.review };
      later.forEach(function (a) { bump(a.state, -1); });
      b.recent = later;
      b.cards = current ? [current].concat(fresh) : fresh;
      b.aside = [];
      b.nextDue = data.next_learning_due || null;
      b.more = data.counts["new"] + data.counts.learning + data.counts.review > sent.length;
      b.loaded = true;
    };

    // What this device kept, less the cards whose answers wait.
    b.restore = function (kept, waiting) {
      b.loaded = true;
      if (!kept) return;
      b.cards = (kept.cards || []).filter(function (c) { return !waiting[c.id]; });
      b.counts = kept.counts || b.counts;
      b.nextDue = kept.next_learning_due || null;
      b.more = !!kept.more;
    };

    // Siblings an answer buried for today leave (not the card on screen).
    // Returns whether one of them was not here (the counts may include it).
    b.bury = function (ids, current) {
      var unknown = false;
      ids.forEach(function (id) {
        var card = b.cards.concat(b.aside).filter(function (c) { return c.id === id; })[0];
        if (!card) { unknown = true; return; }
        if (card === current) return;  // its answer is refused, and the cards load again
        b.cards = without(b.cards, id);
        b.aside = without(b.aside, id);
        bump(card.state, -1);
      });
      return unknown;
    };

    // Offline with no card left: what the paused panel says.
    b.pausedLine = function (answeredAny) {
      var text = answeredAny
        ? "The cards kept on this device are done. Your answers are sent when the network is back, and the next cards come then."
        : "You are offline and no cards of this page are kept on this device. They come when the network is back.";
      return text + (b.aside.length ? " Cards that need the network to check the answer come back then too." : "");
    };

    // How long until a card the server just put in learning is due (ms), or
    // null (not learning, or not today).
    b.dueIn = function (memory) {
      if (!memory || (memory.state !== "learning" && memory.state !== "relearning")) return null;
      var ms = new Date(memory.due) - Date.now();
      return ms < 6 * 3600 * 1000 ? Math.max(1000, ms + 500) : null;
    };

    b.asideLine = function () {
      var n = b.aside.length;
      if (!n) return "";
      return n === 1
        ? "1 card is set aside: it needs the network to check the answer; it comes back when you are online."
        : n + " cards are set aside: they need the network to check the answer; they come back when you are online.";
    };

    return b;
  }

  // Loading the next cards, one request at a time. Waiting answers go first
  // (the server must know them to leave their cards out), so a load asked
  // for while answers wait (or while one runs) runs once they are sent.
  // options: api(method, url), url(), sync, batch, loaded(data, since, opts),
  // failed(reply or null for a network failure).
  function loader(options) {
    var running = false;
    var pending = null;  // {reset}: the load to run next

    function load(opts) {
      opts = opts || {};
      var sync = options.sync();
      if (running || sync.waiting()) {
        pending = { reset: !!(opts.reset || (pending && pending.reset)) };
        if (!running) sync.flush();
        return;
      }
      running = true;
      var since = options.batch.seq;
      options.api("GET", options.url()).then(function (r) {
        running = false;
        if (!r.ok) { options.failed(r); return; }
        sync.reachable();
        options.loaded(r.data, since, opts);
        next();
      }, function () {
        running = false;
        sync.unreachable();
        options.failed(null);
      });
    }

    function next() {
      if (!pending || running || options.sync().waiting()) return;
      var opts = pending;
      pending = null;
      load(opts);
    }

    return {
      load: load,
      next: next,
      // Load once the answers are sent (or now).
      want: function () { pending = pending || {}; },
      running: function () { return running; },
    };
  }

  window.StudyBatch = { create: create, loader: loader };
})();
