from django.urls import path

from ecabinet.exchange import views

app_name = "exchange"
urlpatterns = [
    path("<slug:code>/hop-thu-di/", views.outbox, name="outbox"),
    path("<slug:code>/hop-thu-di/<uuid:pk>.edxml", views.message_file, name="message_file"),
]
