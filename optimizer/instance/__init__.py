"""Instances: the records, the file format, validation and foreign readers."""

from .model import (  # noqa: F401
    Action,
    Arc,
    Commodity,
    Effect,
    Instance,
    Level,
    Node,
    Recipe,
    Resource,
    Supply,
    Targets,
)
from .reader import load_instance, read_instance_text  # noqa: F401
from .writer import dump_yaml, instance_to_dict, write_instance  # noqa: F401
