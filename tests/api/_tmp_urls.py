from django.urls import path
from rapport.api.urls import api
urlpatterns = [path("api/v1/", api.urls)]
