"""Who sees a demo run: its owner and staff by id; anyone by the link its owner
shares on purpose; a result reused from another user's run is a copy of
one's own, so no run id crosses between users."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from rest_framework.test import APIClient

from studysite import permissions
from tests.factories import UserFactory
from workers.models import DemoRun
from workers.selectors import demo_run_get, demo_run_get_shared
from workers.services import demo_run_request, demo_run_share, demo_run_unshare

pytestmark = pytest.mark.django_db
SMALL = {"steps": 50, "max_points": 20}
RUNS = "/api/v1/demos/update_swallowing/runs/"


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _page(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _run(user, **params) -> DemoRun:
    run, _ = demo_run_request(
        demo_name="update_swallowing", params={**SMALL, **params}, user=user
    )
    return run


def test_another_user_gets_a_404_for_a_run_by_id(learner, other_learner):
    run = _run(learner)
    assert _api(other_learner).get(f"/api/v1/demos/runs/{run.pk}/").status_code == 404
    for suffix in ("/", "/panel/", ".json", ".csv"):
        url = f"/demos/runs/{run.pk}{suffix}"
        assert _page(other_learner).get(url).status_code == 404, url
        assert _page(learner).get(url).status_code == 200, url
    assert _api(learner).get(f"/api/v1/demos/runs/{run.pk}/").status_code == 200


def test_staff_read_any_run_and_a_run_without_owner(learner):
    admin = UserFactory(is_staff=True)
    run = _run(learner)
    orphan = _run(None, steps=51)
    assert orphan.requested_by is None
    assert _run(None, steps=51).pk == orphan.pk  # system runs reuse system runs
    for target in (run, orphan):
        assert _api(admin).get(f"/api/v1/demos/runs/{target.pk}/").status_code == 200
    assert _api(learner).get(f"/api/v1/demos/runs/{orphan.pk}/").status_code == 404
    # Staff read, but only the owner shares.
    response = _api(admin).post(f"/api/v1/demos/runs/{run.pk}/share/")
    assert response.status_code == 404
    assert DemoRun.objects.get(pk=run.pk).share_token is None


def test_the_owner_shares_a_link_anyone_can_open_until_it_is_unshared(learner):
    run = _run(learner)
    owner = _api(learner)
    assert owner.get(f"/api/v1/demos/runs/{run.pk}/").json()["shared"] is False
    shared = owner.post(f"/api/v1/demos/runs/{run.pk}/share/")
    assert shared.status_code == 200
    body = shared.json()
    assert body["shared"] is True
    token = DemoRun.objects.get(pk=run.pk).share_token
    assert isinstance(token, uuid.UUID) and token.version == 4
    assert body["links"]["shared"] == f"/demos/shared/{token}/"
    assert body["links"]["shared_api"] == f"/api/v1/demos/shared/{token}/"
    # Sharing again keeps the same link.
    again = owner.post(f"/api/v1/demos/runs/{run.pk}/share/").json()
    assert again["links"]["shared"] == body["links"]["shared"]

    anonymous = _api()
    seen = anonymous.get(f"/api/v1/demos/shared/{token}/")
    assert seen.status_code == 200
    seen = seen.json()
    assert "id" not in seen and seen["status"] == "succeeded"
    assert seen["result"] == DemoRun.objects.get(pk=run.pk).result
    assert seen["links"]["json"] == f"/demos/shared/{token}.json"
    assert "/demos/runs/" not in str(seen["links"])
    page = _page().get(f"/demos/shared/{token}/").content.decode()
    assert "Shared run: succeeded" in page and f"Run #{run.pk}" not in page
    assert f"/demos/runs/{run.pk}" not in page
    assert "Stop sharing" not in page
    for suffix in ("/panel/", ".json", ".csv"):
        assert _page().get(f"/demos/shared/{token}{suffix}").status_code == 200
    # Still private by id.
    assert anonymous.get(f"/api/v1/demos/runs/{run.pk}/").status_code in (401, 403)

    assert owner.delete(f"/api/v1/demos/runs/{run.pk}/share/").status_code == 204
    assert anonymous.get(f"/api/v1/demos/shared/{token}/").status_code == 404
    for suffix in ("/", "/panel/", ".json", ".csv"):
        assert _page().get(f"/demos/shared/{token}{suffix}").status_code == 404
    # A new share is a new link; the old one stays dead.
    owner.post(f"/api/v1/demos/runs/{run.pk}/share/")
    new = DemoRun.objects.get(pk=run.pk).share_token
    assert new != token
    assert anonymous.get(f"/api/v1/demos/shared/{token}/").status_code == 404
    assert anonymous.get(f"/api/v1/demos/shared/{new}/").status_code == 200


def test_a_guessed_or_malformed_token_is_a_404():
    assert _api().get(f"/api/v1/demos/shared/{uuid.uuid4()}/").status_code == 404
    assert _page().get("/demos/shared/1/").status_code == 404
    assert _page().get(f"/demos/shared/{uuid.uuid4()}/").status_code == 404


def test_others_cannot_share_or_unshare_a_run(learner, other_learner):
    run = _run(learner)
    demo_run_share(run=run, user=learner)
    token = run.share_token
    other = _api(other_learner)
    assert other.post(f"/api/v1/demos/runs/{run.pk}/share/").status_code == 404
    assert other.delete(f"/api/v1/demos/runs/{run.pk}/share/").status_code == 404
    page = _page(other_learner).post(
        f"/demos/runs/{run.pk}/share/", {"action": "unshare"}
    )
    assert page.status_code == 404
    assert DemoRun.objects.get(pk=run.pk).share_token == token


def test_sharing_on_the_run_page(learner):
    run = _run(learner)
    client = _page(learner)
    page = client.get(f"/demos/runs/{run.pk}/").content.decode()
    assert "Only you can see this run." in page
    assert "Share a link to this run" in page
    response = client.post(f"/demos/runs/{run.pk}/share/", {"action": "share"})
    assert response.status_code == 302
    assert response["Location"] == f"/demos/runs/{run.pk}/"
    token = DemoRun.objects.get(pk=run.pk).share_token
    page = client.get(f"/demos/runs/{run.pk}/").content.decode()
    assert f"http://testserver/demos/shared/{token}/" in page
    assert "Stop sharing" in page
    client.post(f"/demos/runs/{run.pk}/share/", {"action": "unshare"})
    assert DemoRun.objects.get(pk=run.pk).share_token is None
    assert _page().post(f"/demos/runs/{run.pk}/share/").status_code == 302  # login


def test_a_reused_result_never_hands_over_another_users_run(learner, other_learner):
    first = _api(learner).post(RUNS, {"params": SMALL}, format="json").json()
    demo_run_share(run=DemoRun.objects.get(pk=first["id"]), user=learner)
    reused = _api(other_learner).post(RUNS, {"params": SMALL}, format="json")
    assert reused.status_code == 200
    body = reused.json()
    assert body["reused"] is True and body["id"] != first["id"]
    assert body["shared"] is False and "shared" not in body["links"]
    assert body["result"] == first["result"] and first["status"] == "succeeded"
    assert f"/{first['id']}/" not in str(body["links"])
    copy = DemoRun.objects.get(pk=body["id"])
    assert copy.requested_by == other_learner and copy.reused_from_id == first["id"]
    # Each sees their own run, not the other's.
    assert _api(other_learner).get(f"/api/v1/demos/runs/{copy.pk}/").status_code == 200
    assert (
        _api(other_learner).get(f"/api/v1/demos/runs/{first['id']}/").status_code == 404
    )
    assert _api(learner).get(f"/api/v1/demos/runs/{copy.pk}/").status_code == 404
    # Asking again reuses one's own copy rather than making another.
    again = _api(other_learner).post(RUNS, {"params": SMALL}, format="json").json()
    assert again["id"] == copy.pk
    assert DemoRun.objects.count() == 2


def test_the_page_of_a_reused_result_is_the_users_own_run(learner, other_learner):
    first = _run(learner)
    form = {"steps": "50", "max_points": "20", "modes": ["fp32", "fp16"]}
    _page(learner).post("/demos/update_swallowing/", form)
    other = _page(other_learner)
    response = other.post("/demos/update_swallowing/", form)
    assert response.status_code == 302
    assert response["Location"] != f"/demos/runs/{first.pk}/"
    page = other.get(response["Location"])
    assert page.status_code == 200 and b"here is that result" in page.content


# --- the rule for every combination ---------------------------------------------


class TestRunVisibilityIsOwnerStaffOrLink(TestCase):
    """For any owner, viewer and sharing state: by id exactly the owner and
    staff; by token exactly everyone while it is shared, nobody after."""

    @settings(max_examples=40, deadline=None)
    @given(
        owner=st.sampled_from(["a", "b", None]),
        viewer=st.sampled_from(["a", "b", "staff", "anonymous"]),
        shared=st.sampled_from(["never", "now", "stopped"]),
    )
    def test_rule(self, owner, viewer, shared):
        from django.contrib.auth.models import AnonymousUser

        people = {"a": UserFactory(), "b": UserFactory()}
        people["staff"] = UserFactory(is_staff=True)
        people["anonymous"] = AnonymousUser()
        run = DemoRun.objects.create(
            demo="update_swallowing",
            params={},
            params_hash="x" * 64,
            requested_by=people.get(owner),
        )
        token = None
        if shared != "never" and owner is not None:
            token = demo_run_share(run=run, user=people[owner]).share_token
            if shared == "stopped":
                demo_run_unshare(run=run, user=people[owner])
        user = people[viewer]
        by_id = DemoRun.objects.filter(permissions.demo_run_visible(user), pk=run.pk)
        assert by_id.exists() == (viewer == "staff" or viewer == owner)
        try:
            demo_run_get(run_id=run.pk, user=user)
            found = True
        except DemoRun.DoesNotExist:
            found = False
        assert found == (viewer == "staff" or viewer == owner)
        live = token is not None and shared == "now"
        by_token = DemoRun.objects.filter(permissions.demo_run_shared(token))
        assert by_token.filter(pk=run.pk).exists() == live
        assert not DemoRun.objects.filter(permissions.demo_run_shared(None)).exists()
        if token is not None:
            try:
                demo_run_get_shared(token=token)
                opened = True
            except DemoRun.DoesNotExist:
                opened = False
            assert opened == live
        assert permissions.demo_run_sharable(user, run) == (
            owner is not None and viewer == owner
        )
