"""企业画像: enterprise tags grouped by the portrait's dimensions (标签维度; 钱塘's five:
基本信息, 经营状况, 创新能力, 信用, 发展阶段). Tags without a dimension are grouped last,
under 其他.

One way to group, for pages (``tags_by_dimension``), and one picker for forms
(``TagsByDimensionField``: a multiple choice whose options come in one ``<optgroup>`` —
or one titled group of checkboxes — per dimension)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from django import forms
from django.db.models import F, QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext

from portal.models import EnterpriseTag, TagDimension


def other_label() -> str:
    return gettext("其他")


def dimension_ordered(queryset: QuerySet[EnterpriseTag]) -> QuerySet[EnterpriseTag]:
    """The tags with their dimension, in the portrait's order: by dimension (unfiled
    last), then by name."""
    return queryset.select_related("dimension").order_by(
        F("dimension__position").asc(nulls_last=True), "dimension__name", "name"
    )


def tags_by_dimension(tags: Iterable[EnterpriseTag]) -> list[tuple[str, list[EnterpriseTag]]]:
    """``(dimension name, tags)`` in the portrait's order, dimensions without any of
    ``tags`` left out. Reads the dimensions in one query, so that an enterprise's
    prefetched tags are grouped without a query per tag."""
    tags = list(tags)
    if not tags:
        return []
    dimensions = list(TagDimension.objects.all())
    filed: dict[int | None, list[EnterpriseTag]] = {}
    for tag in sorted(tags, key=lambda tag: tag.name):
        filed.setdefault(tag.dimension_id, []).append(tag)
    groups = [(dimension.display_name, filed[dimension.pk]) for dimension in dimensions if dimension.pk in filed]
    known = {dimension.pk for dimension in dimensions}
    unfiled = [tag for dimension_id, group in filed.items() if dimension_id not in known for tag in group]
    if unfiled:
        groups.append((other_label(), unfiled))
    return groups


class DimensionGroupedIterator(ModelChoiceIterator):
    """The field's choices as one group per dimension (one query, with the dimensions)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = dimension_ordered(self.queryset)
        for dimension, tags in groupby(queryset, key=lambda tag: tag.dimension):
            yield (dimension.display_name if dimension else other_label(), [self.choice(tag) for tag in tags])


class TagsByDimensionField(forms.ModelMultipleChoiceField):
    """Enterprise tags to choose, grouped by dimension (a ``<select multiple>`` with an
    ``<optgroup>`` per dimension, or titled groups of checkboxes). Validates against the
    queryset as any model choice field does."""

    iterator = DimensionGroupedIterator

    def __init__(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = EnterpriseTag.objects.filter(is_active=True)
        super().__init__(queryset, **kwargs)
        if type(self.widget) is forms.SelectMultiple:
            # Tall enough to show a few dimensions' headings and tags without scrolling.
            self.widget.attrs.setdefault("size", 12)
