"""A client generated from the OpenAPI schema drives a newcomer's first session.

``openapi-python-client`` (a dev dependency) generates a Python package from
the schema drf-spectacular writes. Against a live server, and through that
package only, a newcomer signs up, authenticates with the token it returns,
studies ten cards of the lesson deck, takes a practice quiz and runs a demo.
The test fails if the schema no longer generates a client or an operation
cannot be called through it.

The schema offers each request body as JSON, form data and multipart; the
generated functions send only the last one they are given, so the schema is
narrowed to its JSON bodies first, as a JSON client sees the API. Typed
responses (``.parsed``) are used where the schema describes the body; the rest
is read from ``.content``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command

from lessons.services import course_load

pytestmark = pytest.mark.slow

PACKAGE = "studysite_client"
CONFIG = f"""\
project_name_override: studysite-client
package_name_override: {PACKAGE}
post_hooks: []
"""


def _json_bodies_only(schema: dict[str, Any]) -> dict[str, Any]:
    for operations in schema["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for kind in [k for k in content if k != "application/json"]:
                    del content[kind]
    return schema


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package openapi-python-client generates from the site's schema."""
    executable = Path(sys.executable).with_name("openapi-python-client")
    if not executable.exists():
        pytest.skip(
            f"openapi-python-client is not installed next to {sys.executable} "
            "(install the dev extra: pip install -e '.[dev]')"
        )
    work = tmp_path_factory.mktemp("generated-client")
    schema = work / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    schema.write_text(json.dumps(_json_bodies_only(json.loads(schema.read_text()))))
    (work / "config.yaml").write_text(CONFIG)
    result = subprocess.run(  # noqa: S603 - our own argv
        [
            str(executable),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(work / "client"),
            "--config",
            str(work / "config.yaml"),
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(work / "client"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work / "client"))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _operation(name: str) -> ModuleType:
    """A generated endpoint module: ``sync_detailed`` calls the operation."""
    return importlib.import_module(f"{PACKAGE}.api.v1.{name}")


def _model(name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _ok(response: Any, status: int) -> Any:
    assert response.status_code == status, response.content
    return response


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_runs_a_first_session(client_package, live_server):
    course_load()  # the lesson and its deck, which a newcomer studies
    with ExitStack() as opened:
        anonymous = opened.enter_context(
            client_package.Client(
                base_url=live_server.url, raise_on_unexpected_status=True, timeout=60
            )
        )

        # Sign up: the body and the answer are typed.
        username = f"newcomer-{uuid.uuid4().hex[:8]}"
        signup = _ok(
            _operation("v1_auth_signup_create").sync_detailed(
                client=anonymous,
                body=_model("SignupInputRequest")(
                    # The schema gives email a default of "", which the API
                    # refuses as blank: the generated model sends it, so pass one.
                    username=username,
                    password=f"Pw-{uuid.uuid4().hex}",
                    email=f"{username}@example.com",
                ),
            ),
            201,
        ).parsed
        assert isinstance(signup, _model("SignupOutput"))
        assert signup.user.username == username

        # Authenticate with the token; the API knows who is calling.
        client = opened.enter_context(
            client_package.AuthenticatedClient(
                base_url=live_server.url,
                token=signup.token,
                prefix="Token",
                raise_on_unexpected_status=True,
                timeout=60,
            )
        )
        me = _ok(_operation("v1_auth_me_retrieve").sync_detailed(client=client), 200)
        assert me.parsed.username == username

        # Study ten cards of the lesson deck: next card, answer, repeat.
        decks = _body(_ok(_operation("decks_list").sync_detailed(client=client), 200))
        rows = decks["results"] if isinstance(decks, dict) else decks
        lesson_deck = next(d for d in rows if d["is_system"])
        queue = _operation("v1_study_queue_retrieve")
        review = _operation("v1_reviews_create")
        card = _body(
            _ok(
                queue.sync_detailed(client=client, deck=lesson_deck["id"], limit=1), 200
            )
        )["cards"][0]
        studied = []
        for _ in range(10):
            parametric = card.get("variant") is not None
            answer = _body(
                _ok(
                    review.sync_detailed(
                        client=client,
                        body=_model("ReviewInputRequest")(
                            card=card["id"],
                            client_review_id=uuid.uuid4(),
                            # A parametric card is graded from its (here empty)
                            # answers; any other card is rated Good.
                            rating=None if parametric else 3,
                            version=card["version"],
                            variant=card["variant"] if parametric else None,
                            next_=_model("NextRequest")(
                                deck=lesson_deck["id"], limit=1
                            ),
                        ),
                    ),
                    201,
                )
            )
            studied.append(card["id"])
            if len(studied) < 10:
                card = answer["queue"]["cards"][0]
        assert len(set(studied)) == 10

        # A practice quiz: start, answer every part, submit, read the result.
        started = _body(
            _ok(
                _operation("v1_attempts_practice_create").sync_detailed(
                    client=client,
                    body=_model("PracticeStartInputRequest")(
                        templates=["gb-vs-gib"], count=2
                    ),
                ),
                201,
            )
        )
        attempt_id = started["id"]
        answer_part = _operation("v1_attempts_answers_create")
        for position, item in enumerate(started["items"], start=1):
            for part in item["parts"]:
                _ok(
                    answer_part.sync_detailed(
                        attempt_id,
                        client=client,
                        body=_model("AttemptAnswerInputRequest")(
                            item=position, part=part["key"], text="1 GB"
                        ),
                    ),
                    200,
                )
        _ok(
            _operation("v1_attempts_submit_create").sync_detailed(
                attempt_id, client=client
            ),
            200,
        )
        result = _body(
            _ok(
                _operation("v1_attempts_result_retrieve").sync_detailed(
                    attempt_id, client=client
                ),
                200,
            )
        )
        assert result["total_parts"] == sum(len(i["parts"]) for i in started["items"])

        # A demo run: eager tasks in the tests, so it has finished when it answers.
        run = _ok(
            _operation("v1_demos_runs_create").sync_detailed(
                "update_swallowing",
                client=client,
                body=_model("DemoRunCreateInputRequest")(
                    params=_model("DemoRunCreateInputRequestParams").from_dict(
                        {"steps": 50, "max_points": 20}
                    )
                ),
            ),
            202,
        ).parsed
        assert isinstance(run, _model("DemoRunOutput"))
        again = _ok(
            _operation("v1_demos_runs_retrieve").sync_detailed(run.id, client=client),
            200,
        )
        assert _body(again)["status"] == "succeeded"
