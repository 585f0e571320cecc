"""The API docs (Swagger UI) run under the site's strict policy."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_list_the_operations_with_no_policy_violation(page):
    user = UserFactory()
    login(page, user.username, PASSWORD)
    page.goto(page.base_url + "/api/docs/")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/catalog/" in paths
    page.shots("api-docs")
