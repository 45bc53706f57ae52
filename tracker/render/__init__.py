"""Rendering: the Jinja2 environment, views of stored models, localisation, charts and output formats."""
