"""换位体验走流程: experience officers walk a government service as an applicant would.

Where to look: ``views.py`` and ``urls.py`` (the officer's pages, ``/walkthroughs/``),
``report_views.py`` and ``report_urls.py`` (the 换位体验月报), ``services.py`` (every change:
start, save, submit, review, promote a finding to a case), ``selectors.py`` (reads scoped to the
user), ``reports.py`` (the monthly figures), ``forms.py``, ``demo.py``. The models are in
``complaints/models/walkthroughs.py`` and the API in ``complaints/api/walkthroughs.py``."""
