from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from portal import selectors
from portal.api import serializers
from portal.filters import DepartmentFilter, EnterpriseFilter, IndustryFilter, RegionFilter
from portal.models import Department, EnterpriseTag, Industry, Region
from portal.portraits import dimension_ordered
from portal.throttling import throttles


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """行政区划 (GB/T 2260), reference data for every signed-in user."""

    queryset = Region.objects.select_related("parent")
    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    """国民经济行业分类 (GB/T 4754-2017)."""

    queryset = Industry.objects.select_related("parent")
    serializer_class = serializers.IndustrySerializer
    filterset_class = IndustryFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "path"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """部门/承办单位."""

    queryset = Department.objects.select_related("region")
    serializer_class = serializers.DepartmentSerializer
    filterset_class = DepartmentFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["name"]


class EnterpriseTagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """企业标签 with the portrait's dimension each belongs to, in the portrait's order
    (by dimension, unfiled last). ``?dimension=<id>`` lists one dimension's tags."""

    serializer_class = serializers.EnterpriseTagSerializer
    filterset_fields = ["dimension", "is_active"]
    search_fields = ["name", "name_en", "dimension__name"]

    def get_queryset(self):
        return dimension_ordered(EnterpriseTag.objects.all())


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    """企业: officials see all, an enterprise user only the enterprises they represent.

    Someone else's enterprise answers 404, so its existence does not leak.
    """

    serializer_class = serializers.EnterpriseSerializer
    filterset_class = EnterpriseFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "founded_on", "employees", "annual_revenue"]

    def get_queryset(self):
        return (
            selectors.enterprise_list(user=self.request.user)
            .prefetch_related(selectors.steward_assignments_prefetch(), "tags__dimension")
            .order_by("name", "id")
        )


class TokenRequestSerializer(AuthTokenSerializer):
    # No username is longer than the model's 150 characters; a longer one would reach
    # django-axes' failure log (255 characters) and end in a 500.
    username = drf_serializers.CharField(label=_("用户名"), max_length=150, write_only=True)
    password = drf_serializers.CharField(
        label=_("密码"), max_length=4096, style={"input_type": "password"}, trim_whitespace=False, write_only=True
    )


class ObtainAuthTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token.

    Throttled like the login page: after repeated wrong passwords for one username
    from one address, that pair is refused with 429 until the cool-off has passed."""

    # DRF's view names its own parsers; the portal's refuse an absurdly nested body.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    serializer_class = TokenRequestSerializer

    # Per address, too (portal/throttling.py): guessing across many user names.
    throttle_classes = throttles("token")

    def post(self, request, *args, **kwargs):
        # django-axes marks a locked-out attempt on the request it was given, here
        # DRF's wrapper; copied to Django's request, AxesMiddleware answers 429 with
        # the lock-out message rather than DRF's "wrong password" 400.
        try:
            return super().post(request, *args, **kwargs)
        finally:
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True
                request._request.axes_credentials = getattr(request, "axes_credentials", None)
