"""Policy applications (报、审、兑、评): an enterprise applies for a policy, a reviewer
returns, approves or rejects it, the payout is recorded, the enterprise rates it; and
免申即享 grants made without an application.

Where to look: ``services`` for every change (one locked, keyword-only function per
step, each writing an ``ApplicationEvent``), ``selectors`` for reads and who may see
what, ``views``/``forms``/``urls`` for the pages, ``policies/api/applications.py`` and
``policies/api/application_serializers.py`` for the API. The models stay in
``policies/models.py`` (app label ``policies``)."""
