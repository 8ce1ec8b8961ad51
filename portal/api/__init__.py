# The strict id field (portal.api.fields) applies to every serializer of the API.
from portal.api import fields  # noqa: F401
