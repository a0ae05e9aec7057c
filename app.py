"""`flask --app app run` serves the campaign; gunicorn serves `app:app`."""

import sys

from campaign.errors import CampaignError
from campaign.web import create_app

try:
    app = create_app()
except CampaignError as error:  # e.g. the database is unreachable: one line, no traceback
    sys.exit(f"error: {error}")
