"""亲商管家: the 管家's workspace (我联系的企业) and 走访 log.

Where to look: ``views.py`` and ``urls.py`` (the pages, ``/steward/``), ``services.py``
(every change: record a visit, turn a problem found into a case), ``selectors.py`` (reads
scoped to the user, and the workspace's rows), ``forms.py``, ``filters.py``, ``demo.py``.
The models are in ``complaints/models/visits.py``, the API in ``complaints/api/visits.py``;
who is a 管家 of which enterprise is ``portal.StewardAssignment``."""
