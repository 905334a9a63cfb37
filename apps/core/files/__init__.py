"""Public and private file storage, served safely (see storages.py, registry.py, serving.py)."""

from .registry import private_url, register_private
from .storages import private_storage, public_storage

__all__ = ["private_storage", "private_url", "public_storage", "register_private"]
