from rest_framework.routers import SimpleRouter

from roundtables.api import views

router = SimpleRouter()
router.register("roundtables", views.SessionViewSet, basename="roundtable-session")
router.register("registrations", views.RegistrationViewSet, basename="roundtable-registration")

urlpatterns = router.urls
