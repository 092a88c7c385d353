"""Sub-commands of the ``redmud`` command line, one module each."""
