from taxlight.api.main import api

__all__ = ["api"]
