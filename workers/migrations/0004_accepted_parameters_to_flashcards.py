"""Each learner's accepted fitted parameters move to flashcards' own table.

Until now the review service read the newest accepted `SchedulerFit` of each
scope. flashcards now owns the parameters reviews use
(`flashcards.SchedulerParameters`); this copies the newest accepted fit of
every learner and scope into it. The fits themselves are kept as they are, so
reversing only empties the new table.
"""

from django.db import migrations


def copy_accepted(apps, schema_editor):
    SchedulerFit = apps.get_model("workers", "SchedulerFit")
    SchedulerParameters = apps.get_model("flashcards", "SchedulerParameters")
    newest = {}
    fits = SchedulerFit.objects.filter(status="succeeded", accepted=True).order_by(
        "finished_at", "id"
    )
    for fit in fits.iterator():
        newest[(fit.learner_id, fit.deck_id)] = fit  # the newest of each scope wins
    SchedulerParameters.objects.bulk_create(
        SchedulerParameters(
            learner_id=learner_id,
            deck_id=deck_id,
            parameters=list(fit.new_parameters),
            fit_id=fit.pk,
            updated_at=fit.finished_at or fit.created_at,
        )
        for (learner_id, deck_id), fit in newest.items()
        if fit.new_parameters
    )


def empty(apps, schema_editor):
    apps.get_model("flashcards", "SchedulerParameters").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0003_demo_run_sharing"),
        ("flashcards", "0004_scheduler_parameters"),
    ]

    operations = [migrations.RunPython(copy_accepted, empty)]
