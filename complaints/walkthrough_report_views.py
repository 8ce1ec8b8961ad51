from django.http import Http404


def monthly(request):
    raise Http404
