"""The portal's URLs plus the benchmark's baseline: the least a Django view can do."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import handler400, handler404, handler500  # noqa: F401 - the portal's own error pages
from portal.urls import urlpatterns as portal_urlpatterns


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *portal_urlpatterns]
