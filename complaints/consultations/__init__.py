"""咨询: questions from an enterprise that are not complaints (湘潭's 营商服务通 offers
咨询、评价、投诉). An approved member of the enterprise asks; its 亲商管家 answer — or, for a
firm with none, the 营商办, whose officials may always answer — within a working-day limit
kept in the admin (ConsultationRule), flagged like cases; a question that turns out to be a
problem becomes a case (channel 咨询) in one action, keeping the link; the enterprise rates
the answer once.

Where to look: ``services.py`` (ask, answer, to case, rate, the overdue sweep, the limit),
``permissions.py`` (who may do what), ``selectors.py`` (reads scoped to the user, the flag,
the figures and the start page), ``filters.py``, ``forms.py``, ``views.py`` and ``urls.py``
(``/consultations/``), ``demo.py``. The models are in ``complaints/models/consultations.py``,
the API in ``complaints/api/consultations.py``, the templates in
``templates/complaints/consultations/``."""
