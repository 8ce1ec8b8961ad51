"""Importing and exporting the catalogue as a spreadsheet (django-import-export)."""

from import_export import fields, resources, widgets

from policies.models import Policy, PolicyCategory
from portal.models import Department, Region


class PolicyResource(resources.ModelResource):
    """One row per policy: the key elements officials keep in spreadsheets. Conditions
    on regions, industries and tags are edited in the admin."""

    issuer = fields.Field(
        attribute="issuer", column_name="发布部门", widget=widgets.ForeignKeyWidget(Department, "name")
    )
    region = fields.Field(
        attribute="region", column_name="适用区域代码", widget=widgets.ForeignKeyWidget(Region, "code")
    )
    category = fields.Field(
        attribute="category", column_name="政策类别", widget=widgets.ForeignKeyWidget(PolicyCategory, "name")
    )

    class Meta:
        model = Policy
        import_id_fields = ["document_number"]
        skip_unchanged = True
        fields = [
            "document_number",
            "title",
            "short_title",
            "issuer",
            "level",
            "region",
            "category",
            "keywords",
            "summary",
            "support_type",
            "amount_rule",
            "amount_fixed",
            "amount_field",
            "amount_rate",
            "amount_cap",
            "application_method",
            "application_opens",
            "application_closes",
            "effective_from",
            "effective_until",
            "contact_department",
            "contact_person",
            "contact_phone",
        ]
        export_order = fields

    def before_save_instance(self, instance, row, **kwargs):
        # Imported policies start as drafts; officials publish them after checking.
        if not instance.pk:
            instance.state = Policy.State.DRAFT
        instance.full_clean(exclude=["state"])
