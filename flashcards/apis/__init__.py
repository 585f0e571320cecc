"""The flashcards API (stable paths; other checks drive it).

One module per area: `decks`, `notes`, `media`, `study`, `grading`,
`interop` (imports and exports); `bodies` holds the response serializers
several of them share. The dicts they send are built by `flashcards.payloads`.

=======================================  =============================================
``POST /api/v1/decks/``                  create a deck (``GET`` lists the decks you study)
``GET/PATCH/DELETE /api/v1/decks/{id}/`` a deck (changes, ``visibility``: owner only)
``GET /api/v1/catalog/``                 public decks, with your subscriptions
``POST/DELETE /api/v1/decks/{id}/subscription/``  subscribe to a public deck / stop
``POST /api/v1/decks/{id}/notes/``       a note with its card ids (owner only)
``PATCH /api/v1/notes/{id}/``            edit a note's fields/tags; schedules kept
``GET /api/v1/study/queue``              ``?deck=&limit=``: counts and next cards
``POST /api/v1/reviews/``                one answer; a JSON list: offline batch
``POST /api/v1/reviews/undo/``           undo the last answer
``POST /api/v1/cards/{id}/suspend/``     also ``unsuspend/``, ``bury/``, ``unbury/``
``GET /api/v1/reviews/export.csv``       FSRS optimizer layout
``POST /api/v1/cards/{id}/grade/``       grade a parametric variant or a numeric card
``GET /api/v1/reviews/{id}/variant/``    the exact variant a review answered
``POST /api/v1/imports/``                upload .apkg/CSV (multipart ``file``)
``GET /api/v1/imports/{id}/``            an import's state and progress
``POST /api/v1/imports/{id}/mapping/``   a CSV's column mapping; starts it
``POST /api/v1/imports/{id}/retry/``     queue again one the queue refused (503)
``GET /api/v1/decks/{id}/export.apkg``   also ``export.csv``
``POST /api/v1/notes/bulk/``             tag, untag, move or delete notes
``POST /api/v1/notes/preview/``          the cards a note would make (HTML)
``POST /api/v1/media/``                  upload an image
=======================================  =============================================
"""
