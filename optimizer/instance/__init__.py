"""Instances: the records, the file format, validation and foreign readers."""

from .model import (  # noqa: F401
    Action, Arc, Commodity, Effect, Instance, Level, Node, Recipe, Resource, Supply, Targets,
)
from .yaml_io import load_instance, read_instance_text, write_instance  # noqa: F401
