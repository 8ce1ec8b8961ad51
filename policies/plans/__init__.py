"""一企一策 (a per-enterprise policy report): the live report an enterprise reads for
itself (``policies.views.enterprise_report``) and the dated reports staff prepare for
it — its 亲商管家 or an official — kept as ``policies.models.PolicyPlan``: the policies
it qualified for or almost did that day, what was missing, the estimated amounts and
the preparer's recommended next steps, printable and as .xlsx.

Where to look: ``selectors`` for the report's items (shared by the live report and the
snapshot) and who reads which report, ``services`` for saving one, ``views``/``forms``
for the pages (URLs in ``policies/urls.py``), ``export`` for the spreadsheet."""
