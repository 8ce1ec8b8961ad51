"""红黄黑榜 pages (``/rankings/``): public published lists; officials' drafts; 约谈."""

from django.urls import path

from complaints.rankings import views

app_name = "rankings"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/q<int:quarter>/", views.published, name="published"),
    path("drafts/", views.manage, name="manage"),
    path("drafts/<int:year>/q<int:quarter>/", views.draft, name="draft"),
    path("drafts/<int:year>/q<int:quarter>/redraft/", views.redraft, name="redraft"),
    path("drafts/<int:year>/q<int:quarter>/publish/", views.publish, name="publish"),
    path("drafts/<int:year>/q<int:quarter>/entries/<int:entry_id>/move/", views.move, name="move"),
    path("interviews/", views.interview_list, name="interviews"),
    path("interviews/<int:pk>/", views.interview, name="interview"),
    path("interviews/<int:pk>/items/<int:item_id>/sign-off/", views.sign_off, name="sign_off"),
    path("<int:year>/q<int:quarter>/entries/<int:entry_id>/interview/", views.interview_new, name="interview_new"),
]
