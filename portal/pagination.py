"""Paging for lists that reach a million rows.

An exact ``count(*)`` over the city's cases costs more than a second per page, for a
number nobody reads past "more than ten thousand". These paginators count at most
``COUNT_CAP + 1`` rows (``count(*)`` over a ``LIMIT`` subquery, without ordering) and
say whether the count was capped; pages beyond the cap are reached by narrowing filters.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """A Django paginator whose ``count`` stops at ``count_cap``; ``count_capped`` says
    whether there are more rows than that."""

    count_cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        object_list = self.object_list
        if hasattr(object_list, "capped_count"):
            return object_list.capped_count(self.count_cap + 1)
        if hasattr(object_list, "order_by"):
            # Order does not change a count, and without it the LIMIT stops the scan early.
            return object_list.order_by()[: self.count_cap + 1].count()
        return len(object_list)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.count_cap)

    @cached_property
    def count_capped(self) -> bool:
        return self._counted > self.count_cap

    def page(self, number):
        # Django clips the last page to ``count``; past the cap there are more rows than
        # that, so the page is always full.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.count_capped and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)


class CappedCountPagination(PageNumberPagination):
    """DRF page-number paging with a capped ``count`` and a ``count_capped`` flag."""

    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_capped": paginator.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"Number of matching rows, at most {COUNT_CAP}; see count_capped. Pages beyond the cap are not served: "
            "narrow the list with filters."
        )
        response["properties"] = {
            "count": response["properties"]["count"],
            "count_capped": {
                "type": "boolean",
                "description": f"True when more than {COUNT_CAP} rows match and count stops at {COUNT_CAP}.",
            },
            **{key: value for key, value in response["properties"].items() if key != "count"},
        }
        response["required"] = [*response.get("required", []), "count_capped"]
        return response
