from django.http import Http404


def follow_up(request):
    raise Http404
