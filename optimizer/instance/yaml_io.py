"""Former home of the instance reader and writer, kept so older imports keep working.

The code now lives in ``loader.py`` (YAML/JSON → plain data), ``reader.py`` (plain data →
``Instance``) and ``writer.py`` (``Instance`` → plain data / YAML / JSON). Import from
those (or from ``optimizer.instance``) in new code.
"""

from .reader import load_instance, read_instance_text  # noqa: F401
from .writer import dump_yaml, instance_to_dict, write_instance  # noqa: F401
