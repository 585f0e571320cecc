"""The API's pagination: limit/offset with a ceiling on the limit.

Without one a client's ``?limit=10**22`` reaches the database as an integer it
cannot hold (a 500 on SQLite) and a large one loads a whole table.
"""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    max_limit = 200
