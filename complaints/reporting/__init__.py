"""Figures about cases and the pages that show them.

Where to look: ``selectors.py`` (every figure's one definition, the dashboard, the public
statistics, typical cases), ``views.py`` and ``urls.py`` (``/reports/``: dashboard, statistics,
typical cases, the Excel export), ``forms.py`` (the period asked for, shared with the API at
``complaints/api/reports.py``)."""
