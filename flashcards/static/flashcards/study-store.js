// What the study page keeps on this device, in IndexedDB: one database per
// user ("study-<user id>"), so one learner's cards and answers never show for
// another. Two stores:
//   outbox: the answers not yet confirmed by the server, in the order given
//     (key: an increasing seq), each {seq, card, body}; body is the review as
//     it is sent (client_review_id, reviewed_at with its offset, version,
//     duration_ms, ...), card the card as the queue gave it (for undo and for
//     a reload).
//   batch: per page scope ("all" or a deck id), the cards still to study, the
//     counts and the next learning card's time, as of the last change.
// An answer and the batch without its card are written in one transaction,
// and so is an undo. Without IndexedDB (a private window that refuses it)
// the same calls keep everything in memory for this page only.
(function () {
  "use strict";
  var PREFIX = "study-";

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onabort = tx.onerror = function () { reject(tx.error); };
    });
  }

  // A closed database (deleted from elsewhere) throws at once: a rejection.
  function attempt(fn) { return new Promise(function (resolve) { resolve(fn()); }); }

  function Store(db, name) { this.db = db; this.name = name; }

  Store.prototype.outbox = function () {
    var db = this.db;
    return attempt(function () {
      var tx = db.transaction("outbox", "readonly");
      return promised(tx.objectStore("outbox").getAll()).then(function (rows) {
        return rows.sort(function (a, b) { return a.seq - b.seq; });
      });
    });
  };

  Store.prototype.batch = function (scope) {
    var db = this.db;
    return attempt(function () {
      var tx = db.transaction("batch", "readonly");
      return promised(tx.objectStore("batch").get(scope)).then(function (row) { return row || null; });
    });
  };

  Store.prototype.saveBatch = function (batch) {
    var db = this.db;
    return attempt(function () {
      var tx = db.transaction("batch", "readwrite");
      tx.objectStore("batch").put(batch);
      return done(tx);
    });
  };

  // The answer and the batch without its card, together; resolves with seq.
  Store.prototype.addAnswer = function (record, batch) {
    var db = this.db;
    return attempt(function () {
      var tx = db.transaction(["outbox", "batch"], "readwrite");
      var added = promised(tx.objectStore("outbox").add(record));
      if (batch) tx.objectStore("batch").put(batch);
      return done(tx).then(function () { return added; });
    });
  };

  // A confirmed, refused or undone answer leaves; an undo also puts its card
  // back in the batch (given).
  Store.prototype.removeAnswer = function (seq, batch) {
    var db = this.db;
    return attempt(function () {
      var tx = db.transaction(["outbox", "batch"], "readwrite");
      tx.objectStore("outbox").delete(seq);
      if (batch) tx.objectStore("batch").put(batch);
      return done(tx);
    });
  };

  Store.prototype.forget = function () {
    this.db.close();
    return promised(indexedDB.deleteDatabase(this.name)).catch(function () { return null; });
  };

  // The same calls, in memory (nothing survives a reload).
  function MemoryStore() { this.rows = []; this.batches = {}; this.seq = 0; }
  MemoryStore.prototype.outbox = function () { return Promise.resolve(this.rows.slice()); };
  MemoryStore.prototype.batch = function (scope) { return Promise.resolve(this.batches[scope] || null); };
  MemoryStore.prototype.saveBatch = function (batch) { this.batches[batch.scope] = batch; return Promise.resolve(); };
  MemoryStore.prototype.addAnswer = function (record, batch) {
    this.seq += 1;
    record.seq = this.seq;
    this.rows.push(record);
    if (batch) this.batches[batch.scope] = batch;
    return Promise.resolve(this.seq);
  };
  MemoryStore.prototype.removeAnswer = function (seq, batch) {
    this.rows = this.rows.filter(function (r) { return r.seq !== seq; });
    if (batch) this.batches[batch.scope] = batch;
    return Promise.resolve();
  };
  MemoryStore.prototype.forget = function () { this.rows = []; this.batches = {}; return Promise.resolve(); };

  function open(userId) {
    var name = PREFIX + userId;
    if (!window.indexedDB || !userId) return Promise.resolve(new MemoryStore());
    return new Promise(function (resolve) {
      var request;
      try { request = indexedDB.open(name, 1); } catch (e) { resolve(new MemoryStore()); return; }
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        if (!db.objectStoreNames.contains("batch")) db.createObjectStore("batch", { keyPath: "scope" });
      };
      request.onsuccess = function () {
        var db = request.result;
        // Another tab's newer version, or a deletion (logout elsewhere): let go.
        db.onversionchange = function () { db.close(); };
        resolve(new Store(db, name));
      };
      request.onerror = request.onblocked = function () { resolve(new MemoryStore()); };
    });
  }

  // The data other users left on this device (a learner signed in here
  // after another without logging out from the study page) goes.
  function forgetOthers(userId) {
    if (!window.indexedDB || !indexedDB.databases) return Promise.resolve();
    return indexedDB.databases().then(function (list) {
      list.forEach(function (db) {
        if (db.name && db.name.indexOf(PREFIX) === 0 && db.name !== PREFIX + userId) {
          indexedDB.deleteDatabase(db.name);
        }
      });
    }).catch(function () { return null; });
  }

  window.StudyStore = { open: open, forgetOthers: forgetOthers, PREFIX: PREFIX };
})();
