"""`flask --app app run` serves the campaign; gunicorn serves `app:app`."""

from campaign.web import create_app

app = create_app()
