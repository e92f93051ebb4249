from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "rapport.events"
    label = "events"
    verbose_name = "Event log"
