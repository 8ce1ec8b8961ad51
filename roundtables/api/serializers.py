"""Serializers of the roundtables API: sessions as the public sees them, an
enterprise's registrations, and one input serializer per write.

Component names start with ``Roundtable`` so they never collide with another
app's in the OpenAPI schema. Fields whose name another API already uses for a
different choice set (``status``) go out as plain strings with the values in the
help text, so the schema's enums keep one meaning per name.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints.models import Case, ProblemCategory
from portal.api.errors import ApiErrorItemSerializer
from portal.api.fields import ChoiceLabel
from portal.models import Department, Enterprise, Region
from portal.validators import normalize_mobile, validate_mobile
from roundtables.models import Appeal, Registration, Series, Session, Slot

# --- Output ----------------------------------------------------------------------


class RoundtableSeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Series
        fields = ["id", "name"]
        read_only_fields = fields


class RoundtableSlotSerializer(serializers.ModelSerializer):
    """A bookable time slot (预约时段) of a reception day or a 直通车 session."""

    # Annotated by selectors.with_slots.
    places_left = serializers.IntegerField(read_only=True, help_text=_("尚可预约的企业数"))

    class Meta:
        model = Slot
        fields = ["id", "starts_at", "ends_at", "capacity", "places_left"]
        read_only_fields = fields


class RoundtableDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]
        read_only_fields = fields


class RoundtableRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]
        read_only_fields = fields


class RoundtableSessionSerializer(serializers.ModelSerializer):
    """A session with its seat counts. The queryset must come from
    ``selectors.session_list`` (which annotates ``seats_left`` and ``waitlisted``)."""

    series = RoundtableSeriesSerializer(read_only=True)
    region = RoundtableRegionSerializer(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("县级分会场所属的市级会议")
    )
    seats_left = serializers.IntegerField(read_only=True, help_text=_("现场名额减去已确认的现场参会报名"))
    waitlisted = serializers.IntegerField(read_only=True, help_text=_("候补中的报名数"))
    state_display = ChoiceLabel("state")
    is_open_for_registration = serializers.BooleanField(read_only=True)
    kind = serializers.CharField(
        source="series.kind",
        read_only=True,
        help_text=_("roundtable 政商恳谈会，reception_day 企业接待日，direct_line 直通车"),
    )
    kind_display = serializers.CharField(source="series.get_kind_display", read_only=True)
    leader = serializers.CharField(read_only=True, help_text=_("接待领导，如“市长 张三”；未填写时为空"))
    departments = RoundtableDepartmentSerializer(many=True, read_only=True, help_text=_("参会部门"))
    slots = RoundtableSlotSerializer(
        source="slot_list",
        many=True,
        read_only=True,
        help_text=_("预约时段（企业接待日和直通车）；其他类型为空列表。报名时以 slot 指定其中之一"),
    )

    class Meta:
        model = Session
        fields = [
            "id",
            "series",
            "kind",
            "kind_display",
            "number",
            "year",
            "region",
            "parent",
            "theme",
            "description",
            "leader",
            "departments",
            "chairs",
            "starts_at",
            "ends_at",
            "venue",
            "online_link",
            "capacity",
            "reserved_seats",
            "seats_left",
            "waitlisted",
            "state",
            "state_display",
            "registration_closes_at",
            "is_open_for_registration",
            "slots",
        ]
        read_only_fields = fields


class RoundtableSessionBriefSerializer(serializers.ModelSerializer):
    """The session a registration is for."""

    name = serializers.CharField(source="__str__", read_only=True, help_text=_("如“宣城市政商恳谈会 2025年第3期”"))
    state_display = ChoiceLabel("state")

    class Meta:
        model = Session
        fields = ["id", "name", "theme", "starts_at", "ends_at", "venue", "state", "state_display"]
        read_only_fields = fields


class RoundtableEnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name"]
        read_only_fields = fields


class RoundtableSlotBriefSerializer(serializers.ModelSerializer):
    """The slot a registration booked."""

    class Meta:
        model = Slot
        fields = ["id", "starts_at", "ends_at"]
        read_only_fields = fields


class RoundtableRegistrationSerializer(serializers.ModelSerializer):
    """A registration. ``waitlist_position`` is set by ``selectors.with_waitlist_positions``."""

    session = RoundtableSessionBriefSerializer(read_only=True)
    enterprise = RoundtableEnterpriseSerializer(read_only=True)
    mode_display = ChoiceLabel("mode")
    pool_display = ChoiceLabel("pool")
    # A plain string: an enum named "status" would collide with the cases' one.
    status = serializers.CharField(read_only=True, help_text=_("confirmed 已确认，waitlisted 候补，cancelled 已取消"))
    status_display = ChoiceLabel("status")
    waitlist_position = serializers.IntegerField(
        read_only=True, allow_null=True, default=None, help_text=_("候补位次（从1起）；不在候补中时为空")
    )
    code = serializers.CharField(read_only=True, help_text=_("签到码"))
    slot = RoundtableSlotBriefSerializer(read_only=True, allow_null=True, help_text=_("预约时段；不按时段预约的为空"))

    class Meta:
        model = Registration
        fields = [
            "id",
            "session",
            "enterprise",
            "attendee_name",
            "attendee_title",
            "attendee_mobile",
            "mode",
            "mode_display",
            "slot",
            "pool",
            "pool_display",
            "status",
            "status_display",
            "waitlist_position",
            "code",
            "created_at",
            "cancelled_at",
            "checked_in_at",
        ]
        read_only_fields = fields


class RoundtableRegistrationConflictSerializer(serializers.Serializer):
    """409: the enterprise already has an active registration for the session."""

    errors = ApiErrorItemSerializer(many=True)
    registration_id = serializers.IntegerField(help_text=_("该企业已有的报名ID"))


class RoundtableAppealCaseSerializer(serializers.ModelSerializer):
    status_display = ChoiceLabel("status")

    class Meta:
        model = Case
        fields = ["number", "status", "status_display"]
        read_only_fields = fields


class RoundtableAppealSerializer(serializers.ModelSerializer):
    # A plain string: the model's choices include sign_up, which this API does not take.
    source = serializers.CharField(
        read_only=True, help_text=_("written 书面反映，on_site 现场提出，sign_up 报名时提出")
    )
    source_display = ChoiceLabel("source")
    case = RoundtableAppealCaseSerializer(read_only=True)

    class Meta:
        model = Appeal
        fields = ["id", "source", "source_display", "on_site_answer", "created_at", "case"]
        read_only_fields = fields


# --- Input -----------------------------------------------------------------------


class MobileNumberField(serializers.CharField):
    """A mainland mobile number, normalised as the model's ``MobileField`` does."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.validators.append(validate_mobile)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return normalize_mobile(value) if value else value


def _categories():
    return ProblemCategory.objects.filter(is_active=True)


class RoundtableRegistrationCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), help_text=_("报名企业ID；须是当前用户已获准代表的企业")
    )
    attendee_name = serializers.CharField(max_length=50, help_text=_("参会人姓名"))
    attendee_title = serializers.CharField(max_length=50, allow_blank=True, default="", help_text=_("参会人职务"))
    attendee_mobile = MobileNumberField(help_text=_("参会人手机号码"))
    mode = serializers.ChoiceField(choices=Registration.Mode.choices, default=Registration.Mode.IN_PERSON)
    intended_problems = serializers.CharField(
        allow_blank=True, default="", help_text=_("拟反映的问题；填写后即登记为诉求件并受理")
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=_categories(), allow_null=True, default=None, help_text=_("拟反映问题的分类ID；默认为“其他”")
    )
    slot = serializers.PrimaryKeyRelatedField(
        queryset=Slot.objects.all(),
        allow_null=True,
        default=None,
        help_text=_("预约时段ID（见会议的 slots）；企业接待日和直通车现场参会时必填，其他类型不可填写"),
    )


class RoundtableAppealCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        allow_null=True,
        default=None,
        help_text=_("提出诉求的企业ID；企业用户必填且须已获准代表该企业，工作人员登记现场诉求时可为空"),
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = serializers.PrimaryKeyRelatedField(
        queryset=_categories(), allow_null=True, default=None, help_text=_("问题分类ID；默认为“其他”")
    )
    source = serializers.ChoiceField(
        choices=[
            (Appeal.Source.WRITTEN, Appeal.Source.WRITTEN.label),
            (Appeal.Source.ON_SITE, Appeal.Source.ON_SITE.label),
        ],
        default=Appeal.Source.WRITTEN,
        help_text=_("written 书面反映；on_site 现场提出（仅限恳谈会工作人员）"),
    )
    on_site_answer = serializers.CharField(allow_blank=True, default="", help_text=_("现场答复；仅用于现场提出的诉求"))
    complainant_name = serializers.CharField(
        max_length=50, allow_blank=True, default="", help_text=_("诉求人姓名；默认为当前用户的姓名")
    )
    complainant_phone = MobileNumberField(
        allow_blank=True, default="", help_text=_("诉求人手机号码；默认为当前用户的手机号码")
    )

    def validate(self, attrs):
        if attrs["on_site_answer"].strip() and attrs["source"] != Appeal.Source.ON_SITE:
            raise serializers.ValidationError({"on_site_answer": [_("只有现场提出的诉求才有现场答复。")]})
        return attrs
