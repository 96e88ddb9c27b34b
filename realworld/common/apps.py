from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class CommonConfig(AppConfig):
    default = True  # apps.py also holds StaticFilesConfig
    name = "realworld.common"
    label = "common"

    def ready(self) -> None:
        from realworld.common import observability, read_cache

        read_cache.require_per_process()
        observability.connect()


class StaticFilesConfig(BaseStaticFilesConfig):
    """collectstatic without what no page loads: drf-spectacular's ReDoc and DRF's browsable
    API assets, which were most of the collected bytes and of the time every collect takes."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "redoc", "rest_framework"]
