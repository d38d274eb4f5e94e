"""The home page."""
from tracker.web.main.views import bp

__all__ = ["bp"]
