from django.apps import AppConfig


class TemplatesEngineConfig(AppConfig):
    """Ad templates are data files (library/<vertical>/*.yaml), not database rows."""

    name = "templates_engine"
    verbose_name = "Ad templates"
