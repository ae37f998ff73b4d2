"""The scenario language: YAML files in, validated frozen :class:`Scenario` objects out."""
