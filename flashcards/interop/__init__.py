"""Import and export of decks (Anki ``.apkg`` and CSV/TSV); this package's
public API.

- `uploads`: the size limits, reading an upload, storing an image.
- `reading`: an Anki package's or a CSV's notes, checked, as a plan.
- `writing`: a plan written as a new deck (notes, images, review history).
- `jobs`: the import job on the `studysite.jobs` lifecycle: create, map,
  start, retry, run.
- `exports`: a deck as an Anki package or CSV.

Callers write ``from flashcards import interop`` and
``interop.import_job_create``: the names below are the ones pages, APIs,
tasks and other apps use. Errors are `studysite.errors` (`Invalid` on the
field at fault, `Conflict`, `NotFound`, `Unavailable` when the task queue is
down).
"""

from flashcards.interop.exports import deck_export_apkg, deck_export_csv
from flashcards.interop.jobs import (
    import_job_create,
    import_job_get,
    import_job_map,
    import_job_not_queued,
    import_job_retry,
    import_job_retryable,
    import_job_run,
    import_job_start,
    import_job_stuck,
    queue_timeout,
)
from flashcards.interop.uploads import (
    max_image_bytes,
    max_import_bytes,
    media_create,
    read_upload,
)

__all__ = [
    "deck_export_apkg",
    "deck_export_csv",
    "import_job_create",
    "import_job_get",
    "import_job_map",
    "import_job_not_queued",
    "import_job_retry",
    "import_job_retryable",
    "import_job_run",
    "import_job_start",
    "import_job_stuck",
    "max_image_bytes",
    "max_import_bytes",
    "media_create",
    "queue_timeout",
    "read_upload",
]
