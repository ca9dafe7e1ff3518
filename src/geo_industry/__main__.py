"""``python -m geo_industry`` runs the command line."""

from geo_industry.cli import app

app()
